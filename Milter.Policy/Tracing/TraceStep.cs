using Milter.Policy.Model;

namespace Milter.Policy.Tracing;

/// <summary>One lookup tried (map, key, hit or miss) or a note about a built-in check.</summary>
/// <param name="Map"><c>access</c>, <c>class R</c>, <c>class w</c>, <c>class m</c>, <c>lease</c> or <c>check</c>.</param>
/// <param name="Key">The key probed (as looked up: lower-cased, tagged or bare), or the note text.</param>
/// <param name="Hit">The rule found, or null for a miss.</param>
/// <param name="Result">Free text for non-table steps (lease answer, built-in check outcome).</param>
public readonly record struct TraceStep(string Map, string Key, PolicyRule? Hit, string? Result)
{
    public bool IsHit => Hit is not null;

    public override string ToString()
    {
        if (Hit is not null)
        {
            return $"{Map} {Key} -> {Hit.TraceText} ({Hit.Location})";
        }

        return Result is null ? $"{Map} {Key} -> miss" : $"{Map} {Key} -> {Result}";
    }
}
