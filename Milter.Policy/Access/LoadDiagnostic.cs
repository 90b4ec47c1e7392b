namespace Milter.Policy.Access;

/// <summary>A load error or lint warning, printed as <c>file:line: reason</c>.</summary>
public sealed record LoadDiagnostic(string File, int Line, string Reason, bool IsError)
{
    public override string ToString() =>
        Line > 0 ? $"{File}:{Line}: {Reason}" : $"{File}: {Reason}";
}
