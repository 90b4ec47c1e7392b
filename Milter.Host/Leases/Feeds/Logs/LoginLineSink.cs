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
            Log.LoginAdded(logger, source, lease.Client, login.User ?? "-", lease.Expires);
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
                Log.LoginAddFailed(logger, options.Feed, login.Client, ex.Message, retryFor.TotalSeconds);
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
}
