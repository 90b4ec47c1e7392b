using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milter.Host.Metrics;
using Milter.Host.Options;
using Milter.Policy.Access;

namespace Milter.Host.Rules;

/// <summary>
/// Loads the rule files at start and again when one changes or on SIGHUP. A new rule set replaces the old one
/// atomically; a broken file is reported as <c>file:line: reason</c> and the last good rules stay in force.
/// </summary>
internal sealed partial class RuleReloader(RuleSetHolder holder, IOptions<RuleFilesOptions> options, StatePaths state, ILogger<RuleReloader> logger, MilterMetrics? metrics = null) : IHostedService, IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly RuleSetLoader _loader = new(); // one loader: rule set versions count up across reloads
    private PosixSignalRegistration? _hangup;
    private Timer? _debounce;

    /// <summary>Loads once; false (with the errors logged) when the files are broken.</summary>
    public bool Reload(string why)
    {
        _gate.Wait();
        try
        {
            RuleFilesOptions files = options.Value;
            RuleSetLoadResult result = files.Load(_loader);
            foreach (LoadDiagnostic warning in result.Warnings)
            {
                Log.RuleWarning(logger, warning.ToString());
            }

            if (!result.Succeeded || result.RuleSet is null)
            {
                foreach (LoadDiagnostic error in result.Errors)
                {
                    Log.RuleError(logger, error.ToString());
                }

                Log.ReloadRefused(logger, why, holder.Current?.Version ?? 0);
                metrics?.RulesRefused();
                WriteStatus(result.Errors.Select(e => e.ToString()).ToList());
                return false;
            }

            holder.Swap(result.RuleSet);
            metrics?.RulesLoaded(result.RuleSet.Version, result.RuleSet.LoadedAt);
            WriteStatus([]);
            Log.RulesLoaded(logger, why, result.RuleSet.Version, result.RuleSet.LoadedAt, string.Join(", ", result.RuleSet.Sources.Select(s => $"{s.Kind} {s.Name} ({s.Entries} entries, sha256 {s.Sha256[..Math.Min(12, s.Sha256.Length)]})")));
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void WriteStatus(IReadOnlyList<string> errors)
    {
        RuleSet? current = holder.Current;
        if (current is null)
        {
            return;
        }

        var status = new RulesStatus(
            Environment.ProcessId,
            current.Version,
            current.LoadedAt,
            current.Sources.Select(s => new RulesStatusSource(s.Kind, s.Name, s.Lines, s.Entries, s.Sha256)).ToList(),
            errors.Count > 0 ? DateTimeOffset.UtcNow : null,
            errors);
        try
        {
            status.Write(state.Directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.StatusNotWritten(logger, state.Directory, ex.Message);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Reload("start") && holder.Current is null)
        {
            throw new InvalidOperationException("the rule files have errors (see the log); no rules to start with");
        }

        RuleFilesOptions files = options.Value;
        foreach (string? path in new[] { files.Access, files.RelayDomains, files.LocalDomains })
        {
            if (path is null)
            {
                continue;
            }

            string full = Path.GetFullPath(path);
            var watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Changed += (_, _) => Schedule();
            watcher.Created += (_, _) => Schedule();
            watcher.Renamed += (_, _) => Schedule();
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }

        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            Reload("SIGHUP");
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (FileSystemWatcher watcher in _watchers)
        {
            watcher.Dispose();
        }

        _watchers.Clear();
        _hangup?.Dispose();
        _debounce?.Dispose();
    }

    // Editors write in several steps: reload once, shortly after the last change.
    private void Schedule()
    {
        _debounce ??= new Timer(_ => Reload("file change"));
        _debounce.Change(TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);
    }

    private static partial class Log
    {
        [LoggerMessage(3100, LogLevel.Information, "Rules loaded ({Why}): version {Version} at {LoadedAt:O} from {Sources}")]
        public static partial void RulesLoaded(ILogger logger, string why, long version, DateTimeOffset loadedAt, string sources);

        [LoggerMessage(3101, LogLevel.Error, "{Diagnostic}")]
        public static partial void RuleError(ILogger logger, string diagnostic);

        [LoggerMessage(3102, LogLevel.Warning, "{Diagnostic}")]
        public static partial void RuleWarning(ILogger logger, string diagnostic);

        [LoggerMessage(3104, LogLevel.Warning, "Rules status not written to {Directory}: {Reason}")]
        public static partial void StatusNotWritten(ILogger logger, string directory, string reason);

        [LoggerMessage(3103, LogLevel.Error, "Rules not reloaded ({Why}): errors above; version {Version} stays in force")]
        public static partial void ReloadRefused(ILogger logger, string why, long version);
    }
}
