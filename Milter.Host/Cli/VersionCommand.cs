using System.CommandLine;
using System.Reflection;

namespace Milter.Host.Cli;

/// <summary><c>milter version</c>.</summary>
internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the program version");
        command.SetAction(parse =>
        {
            string version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            parse.InvocationConfiguration.Output.WriteLine($"milter {version}");
            return 0;
        });
        return command;
    }
}
