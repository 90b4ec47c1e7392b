using System.Text;
using Milter.Policy.Model;

namespace Milter.Policy.Checking;

/// <summary>Per-stage verdicts (with traces) of a simulated session, and what the client finally sees.</summary>
public sealed class CheckResult
{
    internal CheckResult(IReadOnlyList<Verdict> stages) => Stages = stages;

    /// <summary>Connect, HELO (if given), MAIL (if given), one per RCPT, in order.</summary>
    public IReadOnlyList<Verdict> Stages { get; }

    public Verdict Connect => Stages[0];

    /// <summary>The RCPT verdicts, in recipient order.</summary>
    public IEnumerable<Verdict> Recipients => Stages.Where(v => v.Stage == PolicyStage.Rcpt);

    /// <summary>The first refusal (what ends or limits the transaction), else the last verdict.</summary>
    public Verdict Final
    {
        get
        {
            foreach (var verdict in Stages)
            {
                if (verdict.IsRefusal && verdict.Stage != PolicyStage.Connect)
                {
                    return verdict;
                }
            }

            return Stages[^1];
        }
    }

    /// <summary>The text <c>milter check</c> prints.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var verdict in Stages)
        {
            sb.Append(verdict.Explain());
            if (verdict.IsDeferred)
            {
                sb.Append("  (Sendmail ignores connect-stage replies: delivered at HELO/MAIL/RCPT)\n");
            }
        }

        sb.Append("result: ").Append(Final.Outcome).Append('\n');
        return sb.ToString();
    }
}
