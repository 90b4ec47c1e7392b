using System.Text.RegularExpressions;

namespace Milter.Oracle.Tests.Sendmail;

/// <summary>
/// Reads <c>sendmail -bt</c> output back into one returned workspace per call: the output is cut at the marker calls
/// (<see cref="TestModeScript.MarkRuleset"/>), and in each block the last <c>NAME returns:</c> line of the called
/// ruleset is the answer (nested rulesets print their own input/returns lines before it).
/// </summary>
public static partial class TestModeOutput
{
    public static IReadOnlyList<IReadOnlyList<string>> Parse(string output, IReadOnlyList<TestModeCall> calls)
    {
        var results = new List<IReadOnlyList<string>>(calls.Count);
        var block = new List<string>();
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            while (line.StartsWith("> ", StringComparison.Ordinal))
            {
                line = line[2..];
            }

            var mark = MarkReturns().Match(line);
            if (!mark.Success)
            {
                block.Add(line);
                continue;
            }

            var index = results.Count;
            if (index >= calls.Count || mark.Groups[1].Value != TestModeScript.Marker(index))
            {
                throw new InvalidOperationException($"sendmail -bt output out of step at marker {mark.Groups[1].Value} (expected {TestModeScript.Marker(index)})");
            }

            var call = calls[index];
            var prefix = call.Ruleset.Length > 16 ? call.Ruleset[..16] : call.Ruleset;
            var answer = block.LastOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal) && Returns().IsMatch(l[prefix.Length..]));
            if (answer is null)
            {
                throw new InvalidOperationException(
                    $"sendmail -bt printed no result for {call.Ruleset} {call.Argument} (session {call.SessionId}):\n{string.Join('\n', block)}");
            }

            var value = answer[(answer.IndexOf("returns:", StringComparison.Ordinal) + "returns:".Length)..].Trim();
            results.Add(RulesetReplies.SplitPrinted(value));
            block.Clear();
        }

        if (results.Count != calls.Count)
        {
            throw new InvalidOperationException(
                $"sendmail -bt answered {results.Count} of {calls.Count} calls; output ends with:\n{string.Join('\n', block.TakeLast(40))}");
        }

        return results;
    }

    [GeneratedRegex(@"^OracleMark\s+returns:\s*(\S+)\s*$")]
    private static partial Regex MarkReturns();

    [GeneratedRegex(@"^\s+returns:")]
    private static partial Regex Returns();
}
