using System.Text;
using Milter.Oracle.Tests.Profiles;

namespace Milter.Oracle.Tests.Sendmail;

/// <summary>
/// Builds a profile's .cf with m4 from Sendmail's own cf.m4: Debian's OSTYPE (its <c>{mail_from}</c> for delay_checks),
/// every path in the workspace, <c>accept_unresolvable_domains</c>, no DNSBL, the profile's features, and the helper
/// rulesets of <see cref="TestModeScript"/>. The rule-file paths are a placeholder, filled in per case.
/// </summary>
public static class SendmailConfig
{
    public const string RulesPlaceholder = "@ORACLE_RULES@";
    public const string CfM4 = "/usr/share/sendmail/cf/m4/cf.m4";

    /// <param name="daemonPort">For <c>sendmail -bD</c>: the one port it listens on (127.0.0.1 only); -bt and -bs need none.</param>
    public static string Mc(OracleProfile profile, string workDirectory, int? daemonPort = null)
    {
        var mc = new StringBuilder();
        void Line(string line) => mc.Append(line).Append('\n');
        Line("divert(0)dnl");
        Line($"VERSIONID(`milter oracle {profile.Name}')dnl");
        Line("OSTYPE(`debian')dnl");
        Line($"define(`confCW_FILE', `-o {RulesPlaceholder}/local-host-names %[^\\#]')dnl");
        Line($"define(`confCR_FILE', `-o {RulesPlaceholder}/relay-domains %[^\\#]')dnl");
        Line($"define(`QUEUE_DIR', `{workDirectory}/mqueue')dnl");
        Line($"define(`ALIAS_FILE', `{workDirectory}/aliases')dnl");
        Line($"define(`confPID_FILE', `{workDirectory}/sendmail.pid')dnl");
        Line($"define(`STATUS_FILE', `{workDirectory}/sendmail.st')dnl");
        Line($"define(`confSERVICE_SWITCH_FILE', `{workDirectory}/service.switch')dnl");
        Line($"define(`confDEAD_LETTER_DROP', `{workDirectory}/dead.letter')dnl");
        Line("define(`confHOST_STATUS_DIRECTORY', `')dnl");
        Line("define(`confDONT_PROBE_INTERFACES', `True')dnl");
        Line("define(`confTO_IDENT', `0')dnl");
        Line("define(`confDELIVERY_MODE', `queueonly')dnl");
        Line("define(`confREFUSE_LA', `1000')dnl");
        Line("define(`confQUEUE_LA', `1000')dnl");
        Line("define(`confDELAY_LA', `0')dnl");
        Line("define(`confCONNECTION_RATE_THROTTLE', `0')dnl");
        if (daemonPort is { } port)
        {
            Line($"DAEMON_OPTIONS(`Family=inet, Name=MTA-v4, Port={port}, Addr=127.0.0.1')dnl");
        }

        Line("FEATURE(`no_default_msa')dnl");
        Line("FEATURE(`use_cw_file')dnl");
        Line("FEATURE(`accept_unresolvable_domains')dnl");
        foreach (var feature in profile.FeatureLines(RulesPlaceholder + "/access"))
        {
            Line(feature);
        }

        Line("MAILER(`local')dnl");
        Line("MAILER(`smtp')dnl");
        foreach (var line in TestModeScript.LocalRulesets)
        {
            Line(line);
        }

        return mc.ToString();
    }

    /// <summary>Runs m4; the .cf text with <see cref="RulesPlaceholder"/> where the rule files go.</summary>
    public static async Task<string> BuildAsync(OracleProfile profile, OracleWorkspace workspace, int? daemonPort = null)
    {
        if (workspace.Directory.IndexOfAny(['`', '\'', ',', ' ', '"']) >= 0)
        {
            throw new InvalidOperationException($"workspace {workspace.Directory} must not contain quotes, commas or blanks (m4)");
        }

        var mcPath = workspace.PathOf(FileName(profile) + (daemonPort is null ? string.Empty : "-daemon") + ".mc");
        await File.WriteAllTextAsync(mcPath, Mc(profile, workspace.Directory, daemonPort));
        var m4 = await ProcessRunner.RunAsync(Tools.Require("m4", "m4"), [CfM4, mcPath], TimeSpan.FromMinutes(2));
        if (m4.ExitCode != 0 || m4.StdErr.Trim().Length > 0 || !m4.StdOut.Contains("Scheck_rcpt", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"m4 failed for profile {profile.Name}:\n{m4}");
        }

        return m4.StdOut;
    }

    /// <summary>The .cf of one case: the placeholder replaced by that case's rule directory.</summary>
    public static string ForRules(string cf, string rulesDirectory) => cf.Replace(RulesPlaceholder, rulesDirectory, StringComparison.Ordinal);

    /// <summary>The operator characters of the .cf (<c>O OperatorChars=</c>) plus the delimiters Sendmail always adds.</summary>
    public static string Operators(string cf)
    {
        var line = cf.Split('\n').FirstOrDefault(l => l.StartsWith("O OperatorChars=", StringComparison.Ordinal));
        return (line is null ? ".:%@!^/[]+" : line["O OperatorChars=".Length..].TrimEnd()) + "()<>,;\r\n";
    }

    public static string FileName(OracleProfile profile) =>
        string.Concat(profile.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_'));
}
