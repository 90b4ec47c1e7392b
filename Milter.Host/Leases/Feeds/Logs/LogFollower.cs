using System.Text;
using Microsoft.Extensions.Logging;
using Milter.Host.Files;
using Milter.Policy.Leases;

namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>
/// Follows one log file like <c>tail -F</c>, one <see cref="PollAsync"/> at a time: complete lines only (a partial
/// last line waits for its newline), rotation by rename (the old file is read to its end, then the new one from its
/// start), truncation (copytruncate: from the start again). A line longer than the 64 KiB buffer is skipped whole,
/// up to its newline, never read in pieces (its tail could carry a forged login line). The position (device, inode,
/// offset) is saved in the state directory after each batch, so a restart continues where the last run stopped; the
/// first run starts at the end of an existing log (history is not replayed). Each line goes to the
/// <see cref="LoginLineSink"/>; a lease the store refuses for now keeps the position before its line, for a bounded
/// time. The file and every directory above it must be writable only by root and the trusted writer
/// (<see cref="LogFollowerSettings.TrustedWriter"/>): a file that is not is not read.
/// </summary>
internal sealed partial class LogFollower : IDisposable
{
    /// <summary>The buffer, and so the longest line read; a longer one is skipped.</summary>
    public const int MaxLine = 64 * 1024;

    private readonly string _path;
    private readonly string _positionFile;
    private readonly LogFollowerSettings _settings;
    private readonly LoginLineSink _sink;
    private readonly FileTrust _trust;
    private readonly ILogger _logger;
    private readonly byte[] _buffer = new byte[MaxLine];
    private FileStream? _stream;
    private FileIdentity? _identity;
    private long _offset;
    private long? _skippingFrom; // the start of an overlong line being skipped to its newline
    private bool _started;
    private bool _wasMissing;
    private bool _untrustedReported;
    private LogPosition? _saved;

    public LogFollower(LogFollowerSettings settings, string stateDirectory, ILeaseTable table, TimeSpan retryFor, ILogger logger, TimeProvider? time = null)
    {
        _settings = settings;
        _path = Path.GetFullPath(settings.Path!);
        _positionFile = Path.Combine(stateDirectory, LogPosition.FileName);
        _sink = new LoginLineSink(LoginLineSink.Options.For(settings), table, retryFor, time ?? TimeProvider.System, logger);
        _trust = Trust(settings) ?? throw new InvalidOperationException($"{LogFollowerSettings.Section}:TrustedWriter: no user '{settings.TrustedWriter}'");
        _logger = logger;
    }

    /// <summary>Root and the configured writer: who may write the followed log and its directories.</summary>
    public static FileTrust? Trust(LogFollowerSettings settings) =>
        FileTrust.Users(string.IsNullOrWhiteSpace(settings.TrustedWriter) ? [] : [settings.TrustedWriter], out _);

    /// <summary>
    /// Why <paramref name="settings"/>' file cannot be trusted (someone other than root and the trusted writer can
    /// write it or a directory above it), one problem a line; none when it can.
    /// </summary>
    public static IReadOnlyList<string> Untrusted(LogFollowerSettings settings)
    {
        FileTrust? trust = Trust(settings);
        return trust is null ? [$"{LogFollowerSettings.Section}:TrustedWriter: no user '{settings.TrustedWriter}'"] : PathTrust.Check(settings.Path!, trust);
    }

    /// <summary>Login lines ignored for their syslog form (<see cref="LogFollowerSettings.AcceptSyslogLines"/> off).</summary>
    public long SyslogLinesIgnored => _sink.SyslogLinesIgnored;

    public long Offset => _offset;

    /// <summary>Reads what was appended since the last poll; returns the number of leases added.</summary>
    public async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        if (_stream is null && !TryOpen())
        {
            return 0;
        }

        int added = await ReadNewLinesAsync(cancellationToken).ConfigureAwait(false);
        FileIdentity? current = FileIdentity.Of(_path);
        bool replaced = current is null ? !File.Exists(_path) : _identity is not null && current != _identity;
        if (replaced)
        {
            added += await ReadNewLinesAsync(cancellationToken).ConfigureAwait(false); // whatever was written before the rename
            Log.Rotated(_logger, _path, _offset);
            Close();
            _wasMissing = true; // the next file is new: read it from its start
            if (TryOpen())
            {
                added += await ReadNewLinesAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        Save();
        return added;
    }

    public void Dispose() => Close();

    private bool TryOpen()
    {
        if (File.Exists(_path) && PathTrust.Check(_path, _trust) is { Count: > 0 } problems)
        {
            if (!_untrustedReported)
            {
                _untrustedReported = true;
                Log.FollowedFileUntrusted(_logger, string.Join("; ", problems), _trust.Description);
            }

            return false;
        }

        _untrustedReported = false;
        try
        {
            _stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            if (!_started)
            {
                _started = true;
                _wasMissing = true;
                Log.FollowedFileMissing(_logger, _path);
            }

            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.OpenFailed(_logger, _path, ex.Message);
            return false;
        }

        _identity = FileIdentity.Of(_stream.SafeFileHandle);
        long length = _stream.Length;
        if (!_started)
        {
            _started = true;
            LogPosition? saved = LogPosition.Load(_positionFile);
            _offset = saved is not null && saved.Path == _path && saved.Identity == _identity
                ? (saved.Offset <= length ? saved.Offset : 0) // same file; shorter than we read: truncated while we were down
                : saved is not null && saved.Path == _path ? 0 // another file under the name: rotated while we were down
                : length; // first run: history is not replayed
            _saved = saved;
        }
        else
        {
            _offset = _wasMissing ? 0 : length;
        }

        _wasMissing = false;
        _skippingFrom = null;
        _sink.Reset();
        Log.FollowingFile(_logger, _path, _identity?.ToString() ?? "unknown", _offset, _settings.ParsedFormat.ToString());
        return true;
    }

    private async Task<int> ReadNewLinesAsync(CancellationToken cancellationToken)
    {
        FileStream stream = _stream!;
        long length = stream.Length;
        if (length < _offset)
        {
            Log.Truncated(_logger, _path, _offset, length);
            _offset = 0;
            _skippingFrom = null;
            _sink.Reset();
        }

        int added = 0;
        while (_offset < length)
        {
            stream.Position = _offset;
            int read = await stream.ReadAsync(_buffer.AsMemory(0, (int)Math.Min(_buffer.Length, length - _offset)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            int consumed = 0;
            if (_skippingFrom is not null)
            {
                int end = Array.IndexOf(_buffer, (byte)'\n', 0, read);
                if (end < 0)
                {
                    _offset += read; // still inside the overlong line
                    continue;
                }

                consumed = end + 1; // its tail ends here, unread
                _skippingFrom = null;
            }

            while (consumed < read)
            {
                int newline = Array.IndexOf(_buffer, (byte)'\n', consumed, read - consumed);
                if (newline < 0)
                {
                    break;
                }

                string line = Encoding.UTF8.GetString(_buffer, consumed, newline - consumed).TrimEnd('\r');
                LineOutcome outcome = await _sink.HandleAsync(line, _offset + consumed, _path, cancellationToken).ConfigureAwait(false);
                if (outcome == LineOutcome.Retry)
                {
                    _offset += consumed; // the store failed for now: this line again at the next poll
                    return added;
                }

                added += outcome == LineOutcome.Added ? 1 : 0;
                consumed = newline + 1;
            }

            if (consumed == 0 && read == _buffer.Length)
            {
                // no newline in a full buffer: an overlong line, skipped whole (up to its newline, however far)
                Log.LongLine(_logger, _path, _offset, MaxLine / 1024);
                _skippingFrom = _offset;
                _offset += read;
                continue;
            }

            if (consumed == 0)
            {
                break; // a partial last line: it waits for its newline
            }

            _offset += consumed;
        }

        return added;
    }

    private void Save()
    {
        // Inside an overlong line the saved position is its start: a restart skips it again, never reads its tail.
        var position = new LogPosition(_path, _identity, _skippingFrom ?? _offset);
        if (_stream is null || position == _saved)
        {
            return;
        }

        try
        {
            position.Save(_positionFile);
            _saved = position;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.PositionNotSaved(_logger, _positionFile, ex.Message);
        }
    }

    private void Close()
    {
        _stream?.Dispose();
        _stream = null;
    }
}
