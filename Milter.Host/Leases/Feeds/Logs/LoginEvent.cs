using System.Net;

namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>
/// A successful POP/IMAP login read from a log line; <paramref name="ViaSyslog"/> when the line has syslog's form
/// (host and program after the time), which any local user can write through syslog.
/// </summary>
internal sealed record LoginEvent(IPAddress Client, string? User, LoginLineFormat Format, bool ViaSyslog = true);
