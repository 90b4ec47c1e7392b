using Milter.Policy.Access;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

public sealed class RuleSetHolderTests
{
    [Test]
    public void Swap_ReturnsPreviousAndPublishesNext()
    {
        var a = TestPolicy.Rules("To:a RELAY");
        var b = TestPolicy.Rules("To:b RELAY");
        var holder = new RuleSetHolder(a);
        holder.Swap(b).Should().BeSameAs(a);
        holder.Current.Should().BeSameAs(b);
    }

    [Test]
    public void Holder_WithoutInitial_IsEmptyRuleSet() => new RuleSetHolder().Current.Version.Should().Be(0);

    /// <summary>
    /// Set A grants relay only by <c>Connect:</c>, set B only by <c>To:</c>. A decision that mixed the two (To: looked
    /// up in A, Connect: in B) would deny relaying; with snapshot-per-decision every decision accepts.
    /// </summary>
    [Test]
    [CancelAfter(30_000)]
    public async Task Reload_WhileDecisionsRun_NoDecisionSeesHalfARuleSet()
    {
        var loader = new RuleSetLoader();
        RuleSet Load(string text) => loader.Load(PolicyFile.FromText("access", text), null, PolicyFile.FromText("local-host-names", "example.net\n")).RuleSet!;
        var a = Load("Connect:192.0.2.1 RELAY\n");
        var b = Load("To:elsewhere.example RELAY\n");
        var holder = new RuleSetHolder(a);
        var engine = new PolicyEngine(holder);
        using var stop = new CancellationTokenSource();
        var swaps = 0;
        var swapper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                holder.Swap(swaps++ % 2 == 0 ? b : a);
            }
        });

        var deciders = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var decisions = 0;
            var bad = 0;
            var versions = new HashSet<long>();
            while (decisions < 50_000)
            {
                var session = engine.OpenSession(new ClientFacts("192.0.2.1"));
                session.Mail("<x@sender.example>");
                var verdict = session.RcptSync("<y@elsewhere.example>");
                versions.Add(verdict.RuleSetVersion);
                if (verdict.Action != VerdictAction.Accept)
                {
                    bad++;
                }

                decisions++;
            }

            return (bad, versions.Count);
        })).ToArray();

        var results = await Task.WhenAll(deciders);
        await stop.CancelAsync();
        await swapper;
        swaps.Should().BeGreaterThan(100);
        results.Sum(r => r.bad).Should().Be(0);
        results.Should().OnlyContain(r => r.Count == 2 || r.Count == 1);
    }
}
