using System.Text;
using Microsoft.Extensions.Logging;
using Milter.Policy.Leases;

namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>
/// Follows one log file like <c>tail -F</c>, one <see cref="PollAsync"/> at a time: complete lines only (a partial
/// last line waits for its newline), rotation by rename (the old file is read to its end, then the new one from its
/// start), truncation (copytruncate: from the start again). The position (device, inode, offset) is saved in the
/// state directory after each batch, so a restart continues where the last run stopped; the first run starts at
/// the end of an existing log (history is not replayed). A lease the store refuses keeps the position before its
/// line, so it is tried again at the next poll.
/// </summary>
internal sealed partial class LogFollower : IDisposable
{
    private readonly string _path;
    private readonly string _positionFile;
    private readonly LoginLineFormat _format;
    private readonly ILeaseTable _table;
    private readonly TimeSpan? _ttl;
    private readonly ILogger _logger;
    private readonly byte[] _buffer = new byte[64 * 1024]; // also the longest line read; a longer one is skipped
    private FileStream? _stream;
    private FileIdentity? _identity;
    private long _offset;
    private bool _started;
    private bool _wasMissing;
    private LogPosition? _saved;

    public LogFollower(string path, string stateDirectory, LoginLineFormat format, ILeaseTable table, TimeSpan? ttl, ILogger logger)
    {
        _path = Path.GetFullPath(path);
        _positionFile = Path.Combine(stateDirectory, LogPosition.FileName);
        _format = format;
        _table = table;
        _ttl = ttl;
        _logger = logger;
    }

    public long Offset => _offset;

    /// <summary>Reads what was appended since the last poll; returns the number of leases added.</summary>
    public async Task<int> PollAsync(CancellationToken ct)
    {
        if (_stream is null && !TryOpen())
        {
            return 0;
        }

        int added = await ReadNewLinesAsync(ct).ConfigureAwait(false);
        FileIdentity? current = FileIdentity.Of(_path);
        bool replaced = current is null ? !File.Exists(_path) : _identity is not null && current != _identity;
        if (replaced)
        {
            added += await ReadNewLinesAsync(ct).ConfigureAwait(false); // whatever was written before the rename
            Log.Rotated(_logger, _path, _offset);
            Close();
            _wasMissing = true; // the next file is new: read it from its start
            if (TryOpen())
            {
                added += await ReadNewLinesAsync(ct).ConfigureAwait(false);
            }
        }

        Save();
        return added;
    }

    public void Dispose() => Close();

    private bool TryOpen()
    {
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
                Log.Missing(_logger, _path);
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
        Log.Following(_logger, _path, _identity?.ToString() ?? "unknown", _offset, _format);
        return true;
    }

    private async Task<int> ReadNewLinesAsync(CancellationToken ct)
    {
        FileStream stream = _stream!;
        long length = stream.Length;
        if (length < _offset)
        {
            Log.Truncated(_logger, _path, _offset, length);
            _offset = 0;
        }

        int added = 0;
        while (_offset < length)
        {
            stream.Position = _offset;
            int read = await stream.ReadAsync(_buffer.AsMemory(0, (int)Math.Min(_buffer.Length, length - _offset)), ct).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            int consumed = 0;
            while (consumed < read)
            {
                int newline = Array.IndexOf(_buffer, (byte)'\n', consumed, read - consumed);
                if (newline < 0)
                {
                    break;
                }

                string line = Encoding.UTF8.GetString(_buffer, consumed, newline - consumed).TrimEnd('\r');
                if (LoginLineParser.TryParse(line, _format, out LoginEvent? login) && !await TryAddAsync(login!, ct).ConfigureAwait(false))
                {
                    _offset += consumed; // the store failed: this line again at the next poll
                    return added;
                }

                added += login is null ? 0 : 1;
                consumed = newline + 1;
            }

            if (consumed == 0)
            {
                // no newline in a full buffer: an overlong line, skipped; otherwise a partial last line that waits
                if (read == _buffer.Length)
                {
                    Log.LongLine(_logger, _path, _offset);
                    _offset += read;
                    continue;
                }

                break;
            }

            _offset += consumed;
        }

        return added;
    }

    private async Task<bool> TryAddAsync(LoginEvent login, CancellationToken ct)
    {
        string source = "log:" + login.Format.ToString().ToLowerInvariant();
        try
        {
            Lease lease = await _table.AddAsync(login.Client, source, login.User, _ttl, ct).ConfigureAwait(false);
            Log.Added(_logger, source, lease.Client, login.User ?? "-", lease.Expires);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.AddFailed(_logger, login.Client, ex.Message);
            return false;
        }
    }

    private void Save()
    {
        var position = new LogPosition(_path, _identity, _offset);
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

    private static partial class Log
    {
        [LoggerMessage(3520, LogLevel.Information, "lease added source={Source} client={Client} user={User} expires={Expires:O}")]
        public static partial void Added(ILogger logger, string source, System.Net.IPAddress client, string user, DateTimeOffset expires);

        [LoggerMessage(3521, LogLevel.Information, "log follower: following {Path} (file {Identity}) from offset {Offset}, format {Format}")]
        public static partial void Following(ILogger logger, string path, string identity, long offset, LoginLineFormat format);

        [LoggerMessage(3522, LogLevel.Information, "log follower: {Path} rotated (old file read to offset {Offset})")]
        public static partial void Rotated(ILogger logger, string path, long offset);

        [LoggerMessage(3523, LogLevel.Information, "log follower: {Path} truncated ({Length} bytes, was at {Offset}): reading from the start")]
        public static partial void Truncated(ILogger logger, string path, long offset, long length);

        [LoggerMessage(3524, LogLevel.Warning, "log follower: {Path} does not exist yet: waiting for it")]
        public static partial void Missing(ILogger logger, string path);

        [LoggerMessage(3525, LogLevel.Warning, "log follower: {Path} cannot be opened: {Error}")]
        public static partial void OpenFailed(ILogger logger, string path, string error);

        [LoggerMessage(3526, LogLevel.Error, "log follower: lease for {Client} not stored: {Error}: the line is tried again")]
        public static partial void AddFailed(ILogger logger, System.Net.IPAddress client, string error);

        [LoggerMessage(3527, LogLevel.Warning, "log follower: position not saved to {File}: {Error}")]
        public static partial void PositionNotSaved(ILogger logger, string file, string error);

        [LoggerMessage(3528, LogLevel.Warning, "log follower: {Path}: a line longer than 64 KiB at offset {Offset} skipped")]
        public static partial void LongLine(ILogger logger, string path, long offset);
    }
}
