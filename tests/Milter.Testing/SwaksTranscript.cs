using System.Text.RegularExpressions;

namespace Milter.Testing;

/// <summary>What the SMTP client (swaks) saw: the server's reply lines, without swaks' arrows.</summary>
public sealed partial class SwaksTranscript
{
    public SwaksTranscript(ProcessResult result)
    {
        Result = result;
        // swaks marks server lines "<-  " (success) and "<** " (error reply)
        ServerLines = result.StdOut.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => l.StartsWith("<-  ", StringComparison.Ordinal) || l.StartsWith("<** ", StringComparison.Ordinal))
            .Select(l => l[4..])
            .ToList();
    }

    public ProcessResult Result { get; }

    public IReadOnlyList<string> ServerLines { get; }

    /// <summary>Queue id from "250 2.0.0 ID Message accepted for delivery", or null.</summary>
    public string? AcceptedQueueId => ServerLines.Select(l => Accepted().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;

    /// <summary>Queue id from Postfix's "250 2.0.0 Ok: queued as ID", or null.</summary>
    public string? PostfixQueueId => ServerLines.Select(l => PostfixQueued().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;

    public override string ToString() => Result.ToString();

    [GeneratedRegex(@"^250 2\.0\.0 Ok: queued as (\w+)$")]
    private static partial Regex PostfixQueued();

    [GeneratedRegex(@"^250 2\.0\.0 (\w+) Message accepted for delivery$")]
    private static partial Regex Accepted();
}
