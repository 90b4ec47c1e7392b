using Microsoft.Extensions.Logging;
using Milter.Policy.Leases;

namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>What became of one complete log line.</summary>
internal enum LineOutcome
{
    /// <summary>Read and done with (no login, a refused one, or a lease that could not be stored in time).</summary>
    Passed,

    /// <summary>A lease was added.</summary>
    Added,

    /// <summary>The store failed for now: read this line again at the next poll.</summary>
    Retry,
}

/// <summary>
/// Turns complete log lines into leases (for the log follower and the journal feed). A login line in syslog form is
/// ignored unless <see cref="Options.AcceptSyslogLines"/> (said once, then counted at debug level). A lease the store
/// refuses for now (Redis down, disk full: an <see cref="IOException"/> or <see cref="TimeoutException"/>) is tried
/// again at each poll for at most <c>retryFor</c> (the lease's lifetime: later it would have expired anyway), with
/// one log line when it starts failing and one when it is stored or passed; any other failure is logged once and
/// the line passed. So no line is retried forever and no line floods the log.
/// </summary>
internal sealed partial class LoginLineSink(LoginLineSink.Options options, ILeaseTable table, TimeSpan retryFor, TimeProvider time, ILogger logger)
{
    private (long Offset, long Since)? _failing;
    private long _syslogLines;

    /// <summary>Login lines ignored for their syslog form so far.</summary>
    public long SyslogLinesIgnored => _syslogLines;

    /// <summary>Forgets a failing line (the file was rotated or truncated: offsets start again).</summary>
    public void Reset() => _failing = null;

    /// <summary>
    /// One complete line at <paramref name="offset"/> (a file offset, or an entry number: the same line handed in
    /// again after <see cref="LineOutcome.Retry"/> has the same one) of <paramref name="path"/> (for the messages).
    /// </summary>
    public async Task<LineOutcome> HandleAsync(string line, long offset, string path, CancellationToken cancellationToken)
    {
        if (!LoginLineParser.TryParse(line, options.Format, out LoginEvent? login))
        {
            return LineOutcome.Passed;
        }

        if (login!.ViaSyslog && !options.AcceptSyslogLines)
        {
            if (++_syslogLines == 1)
            {
                Log.SyslogLineIgnored(logger, path, offset, login.Client, LogFollowerSettings.Section);
            }
            else
            {
                Log.SyslogLineCounted(logger, path, offset, login.Client);
            }

            return LineOutcome.Passed;
        }

        string source = options.SourcePrefix + login.Format.ToString().ToLowerInvariant();
        try
        {
            Lease lease = await table.AddAsync(login.Client, source, login.User, options.Ttl, cancellationToken).ConfigureAwait(false);
            Log.Added(logger, source, lease.Client, login.User ?? "-", lease.Expires);
            if (_failing is { } failing && failing.Offset == offset)
            {
                Log.StoredAfterRetry(logger, options.Feed, lease.Client, time.GetElapsedTime(failing.Since).TotalSeconds);
            }

            _failing = null;
            return LineOutcome.Added;
        }
        catch (Exception ex) when (ex is IOException or TimeoutException)
        {
            if (_failing is not { } failing || failing.Offset != offset)
            {
                _failing = (offset, time.GetTimestamp());
                Log.AddFailed(logger, options.Feed, login.Client, ex.Message, retryFor.TotalSeconds);
                return LineOutcome.Retry;
            }

            if (time.GetElapsedTime(failing.Since) < retryFor)
            {
                return LineOutcome.Retry;
            }

            Log.GaveUp(logger, options.Feed, login.Client, retryFor.TotalSeconds, ex.Message);
            _failing = null;
            return LineOutcome.Passed;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.Unusable(logger, options.Feed, path, offset, login.Client, ex.Message);
            _failing = null;
            return LineOutcome.Passed;
        }
    }

    /// <summary>How lines become leases: the format, whether syslog-form lines count, the lease lifetime, the source prefix (<c>log:</c>) and the feed's name in messages.</summary>
    internal sealed record Options(LoginLineFormat Format, bool AcceptSyslogLines, TimeSpan? Ttl, string SourcePrefix, string Feed)
    {
        public static Options For(LogFollowerSettings settings) => new(settings.ParsedFormat, settings.AcceptSyslogLines, settings.TtlValue, "log:", "log follower");
    }

    private static partial class Log
    {
        [LoggerMessage(3520, LogLevel.Information, "lease added source={Source} client={Client} user={User} expires={Expires:O}")]
        public static partial void Added(ILogger logger, string source, System.Net.IPAddress client, string user, DateTimeOffset expires);

        [LoggerMessage(3526, LogLevel.Error, "{Feed}: lease for {Client} not stored: {Error}: the line is tried again for up to {Seconds} s")]
        public static partial void AddFailed(ILogger logger, string feed, System.Net.IPAddress client, string error, double seconds);

        [LoggerMessage(3530, LogLevel.Error, "{Feed}: lease for {Client} still not stored after {Seconds} s ({Error}): the line is passed")]
        public static partial void GaveUp(ILogger logger, string feed, System.Net.IPAddress client, double seconds, string error);

        [LoggerMessage(3531, LogLevel.Information, "{Feed}: lease for {Client} stored after {Seconds:0.0} s of retries")]
        public static partial void StoredAfterRetry(ILogger logger, string feed, System.Net.IPAddress client, double seconds);

        [LoggerMessage(3532, LogLevel.Error, "{Feed}: {Path} at offset {Offset}: lease for {Client} refused ({Error}): the line is passed")]
        public static partial void Unusable(ILogger logger, string feed, string path, long offset, System.Net.IPAddress client, string error);

        [LoggerMessage(3533, LogLevel.Warning, "log follower: {Path} at offset {Offset}: a login line for {Client} in syslog form ignored: any local user can write such a line through syslog (logger); follow the mail server's own log (Dovecot log_path) or use the admin socket, or set {Section}:AcceptSyslogLines to true to accept the risk (further such lines are counted at debug level)")]
        public static partial void SyslogLineIgnored(ILogger logger, string path, long offset, System.Net.IPAddress client, string section);

        [LoggerMessage(3534, LogLevel.Debug, "log follower: {Path} at offset {Offset}: a login line for {Client} in syslog form ignored")]
        public static partial void SyslogLineCounted(ILogger logger, string path, long offset, System.Net.IPAddress client);
    }
}
