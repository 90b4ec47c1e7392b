using Microsoft.Extensions.Logging;

namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>
/// The allow file, read again when its modification time or size changes (checked at each call, which is one stat).
/// No file configured, or the file missing: DRAC's default (<see cref="DracAllowList.Default"/>). A file that cannot
/// be read keeps the last list in force.
/// </summary>
internal sealed partial class DracAllowFile(string? path, ILogger logger)
{
    private readonly object _gate = new();
    private DracAllowList? _current;
    private (bool Exists, DateTime Written, long Length) _seen;

    public string Description => path ?? "(none: 127.0.0.1, ::1 and this host's addresses)";

    public DracAllowList Current
    {
        get
        {
            lock (_gate)
            {
                if (path is null)
                {
                    return _current ??= DracAllowList.Default();
                }

                var info = new FileInfo(path);
                (bool, DateTime, long) stamp = info.Exists ? (true, info.LastWriteTimeUtc, info.Length) : (false, default, 0);
                if (_current is null || stamp != _seen)
                {
                    Load(info);
                    _seen = stamp;
                }

                return _current!;
            }
        }
    }

    private void Load(FileInfo info)
    {
        if (!info.Exists)
        {
            _current = DracAllowList.Default();
            Log.Missing(logger, info.FullName);
            return;
        }

        try
        {
            DracAllowList list = DracAllowList.Parse(File.ReadAllText(info.FullName), info.FullName);
            foreach (string problem in list.Problems)
            {
                Log.Problem(logger, problem);
            }

            _current = list;
            Log.Loaded(logger, info.FullName, list.Count);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _current ??= DracAllowList.Default();
            Log.Unreadable(logger, info.FullName, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3505, LogLevel.Information, "drac allow file {File} loaded: {Count} networks")]
        public static partial void Loaded(ILogger logger, string file, int count);

        [LoggerMessage(3506, LogLevel.Warning, "drac allow file {Problem}")]
        public static partial void Problem(ILogger logger, string problem);

        [LoggerMessage(3507, LogLevel.Warning, "drac allow file {File} missing: allowing 127.0.0.1, ::1 and this host's addresses (DRAC's default)")]
        public static partial void Missing(ILogger logger, string file);

        [LoggerMessage(3508, LogLevel.Error, "drac allow file {File} not readable ({Error}): the last list stays in force")]
        public static partial void Unreadable(ILogger logger, string file, string error);
    }
}
