using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Milter.Host.Files;
using Milter.Host.Metrics;
using Milter.Host.Options;
using Milter.Policy.Access;

namespace Milter.Host.Rules;

/// <summary>
/// Loads the rule files at start and again when one changes or on SIGHUP. At start a missing, unreadable or broken
/// file stops the milter before it reports ready (fail closed: it never serves without the configured rules). Later a
/// new rule set replaces the old one atomically; a broken file is reported as <c>file:line: reason</c> and the last
/// good rules stay in force.
/// </summary>
internal sealed partial class RuleReloader(RuleSetHolder holder, IOptions<RuleFilesSettings> options, StatePaths state, ILogger<RuleReloader> logger, MilterMetrics? metrics = null) : IHostedService, IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly RuleSetLoader _loader = new(); // one loader: rule set versions count up across reloads
    private PosixSignalRegistration? _hangup;
    private Timer? _debounce;
    private bool _loaded;

    /// <summary>
    /// The first load, before the milter reports ready: a rule file that is missing (and not optional), unreadable
    /// or broken is a problem line each (<c>rule file PATH (KEY): reason</c>, <c>file:line: reason</c>), and the
    /// milter does not start. Empty when the rules are in force.
    /// </summary>
    public IReadOnlyList<string> LoadAtStart()
    {
        RuleFilesSettings files = options.Value;
        List<string> problems = [.. files.Validate(), .. files.Unusable()];
        if (problems.Count == 0 && !Reload("start"))
        {
            problems.AddRange(_lastErrors);
        }

        foreach (string problem in problems)
        {
            Log.StartRefused(logger, problem);
        }

        if (problems.Count == 0 && files.UsesEmbeddedExamples)
        {
            Log.EmbeddedExamples(logger, RuleFilesSettings.EmbeddedNotice, RuleFilesSettings.Section);
        }

        return problems;
    }

    private IReadOnlyList<string> _lastErrors = [];

    /// <summary>Loads once; false (with the errors logged) when the files are broken.</summary>
    public bool Reload(string why)
    {
        _gate.Wait();
        try
        {
            RuleFilesSettings files = options.Value;
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

                _lastErrors = result.Errors.Select(e => e.ToString()).ToList();
                if (_loaded)
                {
                    Log.ReloadRefused(logger, why, holder.Current.Version);
                    WriteStatus(_lastErrors);
                }

                if (_loaded)
                {
                    metrics?.RulesRefused();
                }

                return false;
            }

            holder.Swap(result.RuleSet);
            if (_loaded)
            {
                metrics?.RulesLoaded(result.RuleSet.Version, result.RuleSet.LoadedAt);
            }

            _loaded = true; // the first load is counted at StartAsync, once the metrics exporter listens
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
        RuleSet current = holder.Current;
        var status = new RulesStatus(
            Environment.ProcessId,
            current.Version,
            current.LoadedAt,
            current.Sources.Select(s => new RulesStatusSource(s.Kind, s.Name, s.Lines, s.Entries, s.Sha256)).ToList(),
            errors.Count > 0 ? DateTimeOffset.UtcNow : null,
            errors,
            options.Value.UsesEmbeddedExamples ? RuleFilesSettings.EmbeddedNotice : null);
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
        if (!_loaded && LoadAtStart() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException(string.Join("; ", problems)); // fail closed: never serve without the configured rules
        }

        metrics?.RulesLoaded(holder.Current.Version, holder.Current.LoadedAt);
        RuleFilesSettings files = options.Value;
        foreach (string? path in new[] { files.Access, files.RelayDomains, files.LocalDomains })
        {
            string? full = path is null ? null : Path.GetFullPath(path);
            if (full is null || !Directory.Exists(Path.GetDirectoryName(full)))
            {
                continue; // an optional file in a directory that does not exist: SIGHUP reloads it once it is there
            }

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

        if (HangupSignal.Unignore())
        {
            Log.HangupWasIgnored(logger);
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
}
