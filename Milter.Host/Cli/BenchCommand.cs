using System.CommandLine;

namespace Milter.Host.Cli;

/// <summary><c>milter bench</c>: placeholder until the load tool lands.</summary>
internal static class BenchCommand
{
    public static Command Create() => new("bench", "Load tool (being written)");
}
