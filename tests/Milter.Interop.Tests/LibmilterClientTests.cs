using FluentAssertions;
using Milter.Interop.Tests.Support;
using Milter.Protocol.Client;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// Our MTA-side <see cref="MilterClient"/> (Sendmail and Postfix flavors) drives the C libmilter milter
/// tests/interop/refmilter.c through the scenario table; then the same table runs against our reference filter,
/// which must answer exactly as libmilter did (same replies, same changes in the same order).
/// </summary>
[TestFixture]
[Category("Interop")]
public sealed class LibmilterClientTests : OwningFixture
{
    private MilterProcess? _libmilter;
    private MilterProcess? _reference;

    private static IEnumerable<TestCaseData> Cases() =>
        from scenario in InteropScenarios.All
        from flavor in new[] { MtaFlavor.Sendmail, MtaFlavor.Postfix }
        where flavor == MtaFlavor.Sendmail || !scenario.SendmailOnly
        select new TestCaseData(scenario.Name, flavor);

    [OneTimeSetUp]
    public async Task StartMilters()
    {
        Task<MilterProcess> libmilter = MilterProcess.StartRefMilterAsync();
        Task<MilterProcess> reference = MilterProcess.StartReferenceFilterAsync();
        try
        {
            _libmilter = Owned.Add(await libmilter);
        }
        finally
        {
            _reference = Owned.Add(await reference);
        }
    }

    [TestCaseSource(nameof(Cases))]
    [CancelAfter(30_000)]
    public async Task Scenario_AgainstLibmilter_GivesExpectedTranscript(string scenarioName, MtaFlavor flavor, CancellationToken cancellationToken)
    {
        InteropScenario scenario = InteropScenarios.All.Single(s => s.Name == scenarioName);
        IReadOnlyList<string> transcript = await scenario.RunAgainstAsync(_libmilter!.Spec, flavor, cancellationToken);

        transcript.Should().Equal(scenario.Expected, "libmilter transcript:\n  {0}", string.Join("\n  ", transcript));
    }

    [TestCaseSource(nameof(Cases))]
    [CancelAfter(30_000)]
    public async Task Scenario_AgainstReferenceFilter_SameTranscriptAsLibmilter(string scenarioName, MtaFlavor flavor, CancellationToken cancellationToken)
    {
        InteropScenario scenario = InteropScenarios.All.Single(s => s.Name == scenarioName);
        IReadOnlyList<string> libmilter = await scenario.RunAgainstAsync(_libmilter!.Spec, flavor, cancellationToken);
        IReadOnlyList<string> ours = await scenario.RunAgainstAsync(_reference!.Spec, flavor, cancellationToken);

        ours.Should().Equal(libmilter, "reference filter:\n  {0}\nlibmilter:\n  {1}\nfilter log:\n{2}", string.Join("\n  ", ours), string.Join("\n  ", libmilter), _reference.Output);
    }
}
