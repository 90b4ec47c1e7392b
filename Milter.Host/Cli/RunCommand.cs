using System.CommandLine;

namespace Milter.Host.Cli;

/// <summary><c>milter run</c>: placeholder until the host lands.</summary>
internal static class RunCommand
{
    public static Command Create() => new("run", "Run the milter (being written)");
}
