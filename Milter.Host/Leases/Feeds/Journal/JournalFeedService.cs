using System.Buffers;
using System.ComponentModel;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Host.Files;
using Milter.Host.Leases.Feeds.Logs;
using Milter.Policy.Leases;

namespace Milter.Host.Leases.Feeds.Journal;

/// <summary>
/// The journal feed (<c>Milter:Leases:Journal</c>): a <c>journalctl --follow --output=json</c> child filtered on the
/// configured unit, process name and uids, and every entry checked again here (<see cref="JournalSettings.Trusts"/>)
/// before its message goes to the <see cref="LoginLineSink"/>. The cursor of the last entry read is kept in
/// <c>STATE/journal.cursor</c> (at most once a second and at stop), so a restart continues after it; the first run
/// starts with the entries written since the feed started (history is not replayed). A journalctl that ends is started again after a pause, from the cursor.
/// </summary>
internal sealed partial class JournalFeedService(JournalSettings settings, string stateDirectory, ILeaseTable table, TimeSpan retryFor, ILogger<JournalFeedService> logger, TimeProvider? time = null) : BackgroundService
{
    public const string CursorFileName = "journal.cursor";

    /// <summary>Longest entry read; journalctl writes fields over 4 KiB as null, so a longer line is not an entry of interest.</summary>
    private const int MaxLine = 256 * 1024;

    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(1);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly LoginLineSink _sink = new(new LoginLineSink.Options(settings.ParsedFormat, AcceptSyslogLines: true, settings.TtlValue, "journal:", "journal"), table, retryFor, time ?? TimeProvider.System, logger);
    private Process? _child;
    private string? _cursor;
    private DateTimeOffset _startedAt;
    private string? _savedCursor;
    private long _lastSave;
    private long _entries;
    private long _untrusted;

    private string CursorFile => Path.Combine(stateDirectory, CursorFileName);

    /// <summary>Entries from senders the configuration does not trust (ignored) so far.</summary>
    public long UntrustedEntries => Interlocked.Read(ref _untrusted);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _cursor = LoadCursor();
        _startedAt = _time.GetUtcNow();
        _child = Start(); // a journalctl that cannot run stops the start, named
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        SaveCursor(force: true);
    }

    public override void Dispose()
    {
        Stop(_child);
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan pause = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            Process child = _child ??= Start();
            long before = _entries;
            int exit;
            try
            {
                await ReadAsync(child, stoppingToken).ConfigureAwait(false);
                await child.WaitForExitAsync(stoppingToken).ConfigureAwait(false);
                exit = child.ExitCode;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            finally
            {
                Stop(child);
                _child = null;
            }

            Log.Ended(logger, settings.Journalctl, exit, pause.TotalSeconds);
            if (_entries == before && _cursor is not null && exit != 0)
            {
                Log.CursorDropped(logger, _cursor); // e.g. the journal that had it was vacuumed: from the end instead
                _cursor = null;
            }

            await Task.Delay(pause, _time, stoppingToken).ConfigureAwait(false);
            pause = TimeSpan.FromSeconds(Math.Min(30, pause.TotalSeconds * 2));
        }
    }

    private Process Start()
    {
        var info = new ProcessStartInfo(settings.Journalctl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in Arguments())
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            Process child = Process.Start(info) ?? throw new InvalidOperationException($"{JournalSettings.Section}:Journalctl: {settings.Journalctl} did not start");
            child.ErrorDataReceived += (_, e) =>
            {
                if (!string.IsNullOrWhiteSpace(e.Data))
                {
                    Log.JournalctlSaid(logger, e.Data.Length > 500 ? e.Data[..500] : e.Data);
                }
            };
            child.BeginErrorReadLine();
            Log.FollowingJournal(logger, settings.Journalctl, string.Join(' ', info.ArgumentList));
            return child;
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"{JournalSettings.Section}:Journalctl: cannot run {settings.Journalctl}: {ex.Message}", ex);
        }
    }

    private List<string> Arguments()
    {
        List<string> args = ["--follow", "--output=json", "--no-pager"];
        // No cursor (the first run): the entries from the feed's start on, however long journalctl takes to get there.
        args.Add(_cursor is null ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--since=@{_startedAt.ToUnixTimeMilliseconds() / 1000.0:F3}") : "--after-cursor=" + _cursor);
        if (!string.IsNullOrWhiteSpace(settings.Namespace))
        {
            args.Add("--namespace=" + settings.Namespace);
        }

        if (!string.IsNullOrWhiteSpace(settings.Unit))
        {
            args.Add("_SYSTEMD_UNIT=" + settings.Unit);
        }

        if (!string.IsNullOrWhiteSpace(settings.Comm))
        {
            args.Add("_COMM=" + settings.Comm);
        }

        args.AddRange(settings.TrustedUids.Order().Select(uid => "_UID=" + uid)); // one field, several values: or
        return args;
    }

    private async Task ReadAsync(Process child, CancellationToken cancellationToken)
    {
        PipeReader reader = PipeReader.Create(child.StandardOutput.BaseStream);
        bool skipping = false;
        try
        {
            while (true)
            {
                ReadResult read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = read.Buffer;
                while (NextLine(ref buffer, ref skipping) is { } line)
                {
                    await HandleAsync(line, cancellationToken).ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                SaveCursor(force: false);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    // The next complete line of at most MaxLine bytes; a longer one is skipped whole, up to its newline.
    private static byte[]? NextLine(ref ReadOnlySequence<byte> buffer, ref bool skipping)
    {
        while (true)
        {
            var reader = new SequenceReader<byte>(buffer);
            if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
            {
                if (buffer.Length > MaxLine)
                {
                    skipping = true;
                    buffer = buffer.Slice(buffer.End);
                }

                return null;
            }

            buffer = buffer.Slice(reader.Position);
            if (skipping || line.Length > MaxLine)
            {
                skipping = false;
                continue;
            }

            return line.ToArray();
        }
    }

    private async Task HandleAsync(byte[] json, CancellationToken cancellationToken)
    {
        long number = ++_entries;
        if (!JournalEntry.TryParse(json, out JournalEntry? entry))
        {
            Log.NotAnEntry(logger, number);
            return;
        }

        if (!settings.Trusts(entry!))
        {
            if (Interlocked.Increment(ref _untrusted) == 1)
            {
                Log.JournalUntrusted(logger, entry!.Uid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", entry.Comm ?? "-", entry.Unit ?? "-");
            }

            _cursor = entry!.Cursor ?? _cursor;
            return;
        }

        if (entry!.AsSyslogLine() is { } line)
        {
            while (await _sink.HandleAsync(line, number, "journal", cancellationToken).ConfigureAwait(false) == LineOutcome.Retry)
            {
                await Task.Delay(RetryPause, _time, cancellationToken).ConfigureAwait(false);
            }
        }

        _cursor = entry.Cursor ?? _cursor;
    }

    private string? LoadCursor()
    {
        try
        {
            string? text = SafeFile.ReadAllBytes(CursorFile, 4096) is { } bytes ? Encoding.UTF8.GetString(bytes).Trim() : null;
            return text is { Length: > 0 } && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '=' or ';' or '-') ? text : null;
        }
        catch (IOException ex)
        {
            Log.CursorNotRead(logger, CursorFile, ex.Message);
            return null;
        }
    }

    private void SaveCursor(bool force)
    {
        if (_cursor is null || _cursor == _savedCursor || (!force && _time.GetElapsedTime(_lastSave) < TimeSpan.FromSeconds(1)))
        {
            return;
        }

        try
        {
            SafeFile.Replace(CursorFile, Encoding.UTF8.GetBytes(_cursor + "\n"), SafeFile.Private);
            _savedCursor = _cursor;
            _lastSave = _time.GetTimestamp();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CursorNotSaved(logger, CursorFile, ex.Message);
        }
    }

    private static void Stop(Process? child)
    {
        if (child is null)
        {
            return;
        }

        try
        {
            if (!child.HasExited)
            {
                child.Kill();
                child.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }

        child.Dispose();
    }
}
