using System.Net;

namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>A successful POP/IMAP login read from a log line.</summary>
internal sealed record LoginEvent(IPAddress Client, string? User, LoginLineFormat Format);
