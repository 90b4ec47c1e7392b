using Microsoft.Extensions.Logging;

namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>
/// The allow file, read again when its modification time or size changes (checked at each call, which is one stat).
/// No file configured: DRAC's default (<see cref="DracAllowList.Default"/>). A configured file must exist and be
/// readable at start (<see cref="Load"/> throws, naming it); later a file that disappears or cannot be read keeps
/// the last list in force (never DRAC's wider default: that would let every address of this host add leases).
/// </summary>
internal sealed partial class DracAllowFile(string? path, ILogger logger)
{
    private readonly Lock _gate = new();
    private DracAllowList? _current;
    private (bool Exists, DateTime Written, long Length) _seen;

    public string Description => path ?? "(none: 127.0.0.1, ::1 and this host's addresses)";

    /// <summary>The first load, at start; a configured file that is missing or unreadable is an <see cref="InvalidOperationException"/>.</summary>
    public void Load()
    {
        lock (_gate)
        {
            if (path is null)
            {
                _current = DracAllowList.Default();
                return;
            }

            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new InvalidOperationException($"{DracSettings.Section}:AllowFile: {info.FullName}: no such file (remove the setting for DRAC's default: 127.0.0.1, ::1 and this host's addresses)");
            }

            try
            {
                _current = Read(info);
                _seen = Stamp(info);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"{DracSettings.Section}:AllowFile: {info.FullName}: cannot be read: {ex.Message}", ex);
            }
        }
    }

    public DracAllowList Current
    {
        get
        {
            lock (_gate)
            {
                if (_current is null)
                {
                    throw new InvalidOperationException("the drac allow file is read at start (Load) first");
                }

                if (path is null)
                {
                    return _current;
                }

                var info = new FileInfo(path);
                (bool, DateTime, long) stamp = Stamp(info);
                if (stamp != _seen)
                {
                    Reload(info);
                    _seen = stamp;
                }

                return _current;
            }
        }
    }

    private static (bool, DateTime, long) Stamp(FileInfo info) => info.Exists ? (true, info.LastWriteTimeUtc, info.Length) : (false, default, 0);

    private void Reload(FileInfo info)
    {
        if (!info.Exists)
        {
            Log.AllowFileMissing(logger, info.FullName, _current!.Count);
            return;
        }

        try
        {
            _current = Read(info);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.Unreadable(logger, info.FullName, ex.Message);
        }
    }

    private DracAllowList Read(FileInfo info)
    {
        DracAllowList list = DracAllowList.Parse(File.ReadAllText(info.FullName), info.FullName);
        foreach (string problem in list.Problems)
        {
            Log.Problem(logger, problem);
        }

        Log.Loaded(logger, info.FullName, list.Count);
        return list;
    }
}
