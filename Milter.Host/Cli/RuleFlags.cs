using System.CommandLine;
using Milter.Host.Options;

namespace Milter.Host.Cli;

/// <summary>The rule-file flags shared by run, check and test.</summary>
internal sealed class RuleFlags
{
    public Option<string?> Access { get; } = new("--access") { Description = "Sendmail access source file (as makemap reads it)" };

    public Option<string?> RelayDomains { get; } = new("--relay-domains") { Description = "relay-domains file (class R)" };

    public Option<string?> LocalDomains { get; } = new("--local-domains") { Description = "local-host-names file (class w)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Access);
        command.Options.Add(RelayDomains);
        command.Options.Add(LocalDomains);
    }

    public RuleFilesSettings Read(ParseResult parse) => new()
    {
        Access = parse.GetValue(Access),
        RelayDomains = parse.GetValue(RelayDomains),
        LocalDomains = parse.GetValue(LocalDomains),
    };
}
