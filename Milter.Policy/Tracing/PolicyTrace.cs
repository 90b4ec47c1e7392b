using System.Text;
using Milter.Policy.Model;

namespace Milter.Policy.Tracing;

/// <summary>
/// The ordered lookups of one decision. Only created when tracing is on: recording materialises every probed key
/// as a string, which the untraced hot path must not do.
/// </summary>
public sealed class PolicyTrace
{
    private readonly List<TraceStep> _steps = [];

    public IReadOnlyList<TraceStep> Steps => _steps;

    internal void Probe(string map, ReadOnlySpan<char> key, PolicyRule? hit) =>
        _steps.Add(new TraceStep(map, key.ToString(), hit, null));

    internal void Note(string map, string key, string result) => _steps.Add(new TraceStep(map, key, null, result));

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var step in _steps)
        {
            sb.Append("  ").Append(step.ToString()).Append('\n');
        }

        return sb.ToString();
    }
}
