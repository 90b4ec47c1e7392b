using System.Net;
using System.Text.RegularExpressions;

namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>
/// Recognises successful logins (pop-before-smtp-conf.pl's patterns, widened to IPv6 and syslog pids, and the
/// Dovecot 2.3 line). Every pattern is anchored at the line start through the timestamp, host and program, and the
/// success token must come right after the program: a failed login repeats the user name the client sent
/// (<c>auth failed … user=&lt;…&gt;</c>), so an unanchored search would let a client forge a "Login:" with any address.
/// Failed logins (<c>auth failed</c>, <c>LOGIN FAILED</c>, <c>badlogin:</c>, <c>Login failed</c>, qpopper's
/// <c>-ERR</c>) never match. Only Dovecot's own log file (<c>log_path</c>) has lines without syslog's host and
/// program; the event says which form the line had (<see cref="LoginEvent.ViaSyslog"/>).
/// </summary>
internal static partial class LoginLineParser
{
    // syslog "Nov 28 10:15:02", RFC 3339 / ISO "2024-11-28T10:15:02.123+01:00", Dovecot's log_timestamp variants
    private const string Time = @"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)";
    private const string Ip = @"(?<ip>[0-9A-Fa-f:.]+)";

    private static readonly (LoginLineFormat Format, Regex Pattern)[] All =
    [
        (LoginLineFormat.Dovecot, Dovecot()),
        (LoginLineFormat.Courier, Courier()),
        (LoginLineFormat.Cyrus, Cyrus()),
        (LoginLineFormat.Qpopper, Qpopper()),
        (LoginLineFormat.Uw, Uw()),
    ];

    public static bool TryParse(string line, LoginLineFormat format, out LoginEvent? login)
    {
        login = null;
        foreach ((LoginLineFormat candidate, Regex pattern) in All)
        {
            if (format != LoginLineFormat.Auto && format != candidate)
            {
                continue;
            }

            Match match = pattern.Match(line);
            if (match.Success && IPAddress.TryParse(match.Groups["ip"].ValueSpan, out IPAddress? address))
            {
                string user = match.Groups["user"].Value;
                bool viaSyslog = candidate != LoginLineFormat.Dovecot || match.Groups["syslog"].Success;
                login = new LoginEvent(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, user.Length == 0 ? null : user, candidate, viaSyslog);
                return true;
            }
        }

        return false;
    }

    // own log (2.3):  Nov 28 10:15:02 pop3-login: Info: Login: user=<bob>, method=PLAIN, rip=192.0.2.7, lip=…
    // own log (1.x):  dovecot: Nov 28 10:15:02 Info: imap-login: Login: user=<bob>, method=PLAIN, rip=::ffff:192.0.2.7, lip=…
    // syslog:         Nov 28 10:15:02 mail dovecot[42]: imap-login: Login: user=<alice@example.net>, method=PLAIN, rip=2001:db8::7, lip=…
    [GeneratedRegex("^(?:dovecot: )?" + Time + @" (?<syslog>\S+ dovecot(?:\[\d+\])?: )?(?:Info: )?(?:imap|pop3|submission)-login: (?:Info: )?Login: user=<(?<user>[^>]*)>, method=[^,\s]+, rip=" + Ip + ", lip=", RegexOptions.CultureInvariant)]
    private static partial Regex Dovecot();

    // Nov 28 10:15:02 mail pop3d: LOGIN, user=bob, ip=[::ffff:192.0.2.7], port=[4242]
    [GeneratedRegex("^" + Time + @" (?:\S+ |\[)(?:courier-?)?(?:pop3|imap|couriertcp)(?:d|d-ssl|login)\]?(?:\[\d+\])?: LOGIN, user=(?<user>[^,\s]+), ip=\[" + Ip + @"\], port=", RegexOptions.CultureInvariant)]
    private static partial Regex Courier();

    // Nov 28 10:15:02 mail cyrus/imap[1234]: login: client.example.net [192.0.2.7] bob plaintext User logged in SESSIONID=<…>
    [GeneratedRegex("^" + Time + @" \S+ (?:cyrus/)?(?:pop3|imap)[ds]?\[\d+\]: login: \S+ \[" + Ip + @"\] (?<user>\S+) .*User logged in", RegexOptions.CultureInvariant)]
    private static partial Regex Cyrus();

    // Nov 28 10:15:02 mail popper[1234]: (v4.1.0) POP login by user "bob" at (client.example.net) 192.0.2.7
    [GeneratedRegex("^" + Time + @" \S+ (?:in\.q|q)?popper[^\[\s]*\[\d+\]: \([^)]*\) POP login by user ""(?<user>[^""]+)"" at \([^)]+\) " + Ip, RegexOptions.CultureInvariant)]
    private static partial Regex Qpopper();

    // Nov 28 10:15:02 mail ipop3d[1234]: Login user=bob host=client.example.net [192.0.2.7] nmsgs=0/0
    [GeneratedRegex("^" + Time + @" \S+ (?:ipop3s?d|imaps?d)\[\d+\]: (?:Login|Authenticated|Auth|APOP) user=(?<user>\S+) host=(?:\S+ )?\[" + Ip + @"\]", RegexOptions.CultureInvariant)]
    private static partial Regex Uw();
}
