namespace Milter.Testing;

/// <summary>Exit code and output of a finished program.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() =>
        $"{Command}\n  exit code {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}\n--------------";
}
