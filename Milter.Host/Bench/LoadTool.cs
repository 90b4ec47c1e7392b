using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Milter.Protocol;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;

namespace Milter.Host.Bench;

/// <summary>
/// Runs whole milter sessions against a milter at a fixed concurrency, each on a fresh connection as Sendmail
/// opens one per SMTP session: negotiate, CONNECT, HELO, MAIL, N × RCPT, DATA, headers, EOH, body, EOM, QUIT.
/// Every worker times each command into its own histograms (no lock on the hot path); they are merged at the end.
/// </summary>
internal sealed class LoadTool
{
    private const int MaxReportedErrors = 5;
    private readonly LoadOptions _options;
    private readonly SessionScript _script;
    private readonly TrafficScript? _traffic;
    private readonly MilterClientOptions _clientOptions;
    private readonly EndPoint _target;
    private readonly ConcurrentQueue<string> _firstErrors = new();
    private int _reportedErrors;
    private long _sessionNumber;
    private long _tickets;

    private LoadTool(LoadOptions options, EndPoint target)
    {
        _options = options;
        _target = target;
        _script = new SessionScript(options.Recipients, options.BodySize);
        _traffic = options.Traffic is null ? null : TrafficScript.Load(options.Traffic);
        _clientOptions = new MilterClientOptions { Flavor = options.Flavor, ReadTimeout = options.ReadTimeout };
        _tickets = options.Sessions ?? long.MaxValue;
    }

    /// <summary>Warms up, measures for the configured duration or session count, and returns the merged figures.</summary>
    public static async Task<LoadResult> RunAsync(LoadOptions options, EndPoint target, CancellationToken cancellationToken)
    {
        var tool = new LoadTool(options, target);
        long measureStart = Stopwatch.GetTimestamp() + (long)(options.Warmup.TotalSeconds * Stopwatch.Frequency);
        long measureEnd = options.Sessions is null ? measureStart + (long)(options.Duration.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        var workers = new Worker[options.Concurrency];
        var tasks = new Task[options.Concurrency];
        for (int i = 0; i < workers.Length; i++)
        {
            Worker worker = workers[i] = new Worker(options.Recipients + tool._script.Headers.Length + 16);
            tasks[i] = Task.Run(() => tool.WorkAsync(worker, measureStart, measureEnd, cancellationToken), CancellationToken.None);
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        return tool.Collect(workers, measureStart, measureEnd);
    }

    private LoadResult Collect(Worker[] workers, long measureStart, long measureEnd)
    {
        var merged = new LatencyHistogram[BenchSteps.Count];
        for (int s = 0; s < merged.Length; s++)
        {
            merged[s] = new LatencyHistogram();
        }

        long sessions = 0, errors = 0, unexpected = 0, mismatches = 0, verified = 0, lastEnd = measureStart;
        foreach (Worker worker in workers)
        {
            for (int s = 0; s < merged.Length; s++)
            {
                merged[s].Add(worker.Histograms[s]);
            }

            sessions += worker.Sessions;
            errors += worker.Errors;
            unexpected += worker.Unexpected;
            mismatches += worker.Mismatches;
            verified += worker.Verified;
            lastEnd = Math.Max(lastEnd, worker.LastEnd);
        }

        long end = measureEnd == long.MaxValue ? lastEnd : Math.Min(measureEnd, Math.Max(lastEnd, Stopwatch.GetTimestamp()));
        TimeSpan elapsed = Stopwatch.GetElapsedTime(measureStart, Math.Max(measureStart, end));
        var steps = new List<StepStats>(merged.Length);
        for (int s = 0; s < merged.Length; s++)
        {
            if (merged[s].Count > 0 || (BenchStep)s == BenchStep.Session)
            {
                steps.Add(StepStats.From((BenchStep)s, merged[s]));
            }
        }

        return new LoadResult(_options, sessions, elapsed, errors, unexpected, [.. _firstErrors], steps) { Mismatches = mismatches, VerifiedReplies = verified };
    }

    private async Task WorkAsync(Worker worker, long measureStart, long measureEnd, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            long start = Stopwatch.GetTimestamp();
            bool measured = start >= measureStart;
            if (start >= measureEnd || (measured && _options.Sessions is not null && Interlocked.Decrement(ref _tickets) < 0))
            {
                return;
            }

            worker.MarkCount = 0;
            bool expected;
            try
            {
                expected = _traffic is null
                    ? await RunSessionAsync(worker, start, cancellationToken).ConfigureAwait(false)
                    : await RunTrafficSessionAsync(worker, start, measured, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (measured)
                {
                    worker.Errors++;
                }

                Report(ex);
                await Task.Delay(10, CancellationToken.None).ConfigureAwait(false); // no hot loop against a dead target
                continue;
            }

            long end = Stopwatch.GetTimestamp();
            if (!measured || end > measureEnd)
            {
                continue;
            }

            worker.Commit(start, end, expected);
        }
    }

    /// <summary>One SMTP session's worth of milter traffic; false when the milter answered other than continue/accept.</summary>
    private async Task<bool> RunSessionAsync(Worker worker, long start, CancellationToken cancellationToken)
    {
        SessionScript script = _script;
        SessionScript.Client client = script.ClientFor(Interlocked.Increment(ref _sessionNumber));
        MilterClient milter = await MilterClient.ConnectAsync(_target, _clientOptions, cancellationToken).ConfigureAwait(false);
        await using (milter.ConfigureAwait(false))
        {
            long t = worker.Mark(BenchStep.Open, start);
            await milter.NegotiateAsync(cancellationToken).ConfigureAwait(false);
            t = worker.Mark(BenchStep.Negotiate, t);
            MilterReply reply = await milter.ConnectAsync(client.Hostname, ConnectFamily.Inet, client.Port, client.Address, client.Macros, cancellationToken).ConfigureAwait(false);
            t = worker.Mark(BenchStep.Connect, t);
            if (!reply.IsContinue)
            {
                return await QuitAsync(milter, worker, t, cancellationToken).ConfigureAwait(false);
            }

            reply = await milter.HeloAsync(SessionScript.Helo, SessionScript.HeloMacros, cancellationToken).ConfigureAwait(false);
            t = worker.Mark(BenchStep.Helo, t);
            if (!reply.IsContinue)
            {
                return await QuitAsync(milter, worker, t, cancellationToken).ConfigureAwait(false);
            }

            reply = await milter.MailAsync(script.Sender, script.MailArguments, script.MailMacros, cancellationToken).ConfigureAwait(false);
            t = worker.Mark(BenchStep.Mail, t);
            for (int r = 0; r < script.RecipientAddresses.Length && reply.IsContinue; r++)
            {
                reply = await milter.RcptAsync(script.RecipientAddresses[r], null, script.RecipientMacros[r], cancellationToken).ConfigureAwait(false);
                t = worker.Mark(BenchStep.Rcpt, t);
            }

            if (reply.IsContinue)
            {
                reply = await milter.DataAsync(null, cancellationToken).ConfigureAwait(false);
                t = worker.Mark(BenchStep.Data, t);
            }

            foreach (KeyValuePair<string, string> header in script.Headers)
            {
                if (!reply.IsContinue)
                {
                    break;
                }

                reply = await milter.HeaderAsync(header.Key, header.Value, null, cancellationToken).ConfigureAwait(false);
                t = worker.Mark(BenchStep.Header, t);
            }

            if (reply.IsContinue)
            {
                reply = await milter.EndOfHeadersAsync(null, cancellationToken).ConfigureAwait(false);
                t = worker.Mark(BenchStep.EndOfHeaders, t);
            }

            if (reply.IsContinue)
            {
                reply = await milter.BodyAsync(script.Body, cancellationToken).ConfigureAwait(false);
                t = worker.Mark(BenchStep.Body, t);
            }

            if (!reply.IsContinue)
            {
                return await QuitAsync(milter, worker, t, cancellationToken).ConfigureAwait(false);
            }

            EndOfMessageResult result = await milter.EndOfMessageAsync(script.EndOfMessageMacros, cancellationToken).ConfigureAwait(false);
            t = worker.Mark(BenchStep.EndOfMessage, t);
            bool delivered = result.Reply.Code is MilterResponseCode.Accept or MilterResponseCode.Continue;
            return await QuitAsync(milter, worker, t, cancellationToken).ConfigureAwait(false) && delivered;
        }
    }

    /// <summary>
    /// One scripted session (<see cref="TrafficScript"/>): CONNECT, HELO, MAIL and RCPT, each reply checked against the
    /// script, ending after the stage the script expects a refusal at; an accepted recipient goes on to DATA and EOM.
    /// False when a reply differed (counted and reported, and the session ends there).
    /// </summary>
    private async Task<bool> RunTrafficSessionAsync(Worker worker, long start, bool measured, CancellationToken cancellationToken)
    {
        TrafficScript.Session session = _traffic!.For(Interlocked.Increment(ref _sessionNumber) - 1);
        MilterClient milter = await MilterClient.ConnectAsync(_target, _clientOptions, cancellationToken).ConfigureAwait(false);
        await using (milter.ConfigureAwait(false))
        {
            long t = worker.Mark(BenchStep.Open, start);
            await milter.NegotiateAsync(cancellationToken).ConfigureAwait(false);
            t = worker.Mark(BenchStep.Negotiate, t);
            MilterReply reply = await milter.ConnectAsync(session.Name, ConnectFamily.Inet, session.Port, session.Address, session.ConnectMacros, cancellationToken).ConfigureAwait(false);
            t = worker.Mark(BenchStep.Connect, t);
            bool ok, goOn;
            ok = Check(worker, session, 0, reply, measured, out goOn);
            if (!ok || !goOn)
            {
                return await EndTrafficAsync(milter, worker, t, ok, cancellationToken).ConfigureAwait(false);
            }

            reply = await milter.HeloAsync(session.Helo, SessionScript.NoMacros, cancellationToken).ConfigureAwait(false);
            t = worker.Mark(BenchStep.Helo, t);
            ok = Check(worker, session, 1, reply, measured, out goOn);
            if (!ok || !goOn)
            {
                return await EndTrafficAsync(milter, worker, t, ok, cancellationToken).ConfigureAwait(false);
            }

            reply = await milter.MailAsync(session.Sender, null, session.MailMacros, cancellationToken).ConfigureAwait(false);
            t = worker.Mark(BenchStep.Mail, t);
            ok = Check(worker, session, 2, reply, measured, out goOn);
            if (!ok || !goOn)
            {
                return await EndTrafficAsync(milter, worker, t, ok, cancellationToken).ConfigureAwait(false);
            }

            reply = await milter.RcptAsync(session.Recipient, null, session.RecipientMacros, cancellationToken).ConfigureAwait(false);
            t = worker.Mark(BenchStep.Rcpt, t);
            ok = Check(worker, session, 3, reply, measured, out goOn);
            if (!ok || !goOn)
            {
                return await EndTrafficAsync(milter, worker, t, ok, cancellationToken).ConfigureAwait(false);
            }

            reply = await milter.DataAsync(null, cancellationToken).ConfigureAwait(false);
            if (reply.Kind != MilterReplyKind.NotSent)
            {
                t = worker.Mark(BenchStep.Data, t);
            }

            EndOfMessageResult result = await milter.EndOfMessageAsync(_script.EndOfMessageMacros, cancellationToken).ConfigureAwait(false);
            t = worker.Mark(BenchStep.EndOfMessage, t);
            bool delivered = result.Reply.Code is MilterResponseCode.Accept or MilterResponseCode.Continue && result.Modifications.Count == 0;
            if (!delivered)
            {
                Mismatch(worker, measured, $"line {session.Line} eom: expected accept or continue and no changes, got {result.Reply} with {result.Modifications.Count} changes");
            }

            await milter.QuitAsync(cancellationToken).ConfigureAwait(false);
            worker.Mark(BenchStep.Quit, t);
            return delivered;
        }
    }

    /// <summary>Checks the reply at <paramref name="stage"/>; <paramref name="goOn"/>: the script continues after it.</summary>
    private bool Check(Worker worker, TrafficScript.Session session, int stage, in MilterReply reply, bool measured, out bool goOn)
    {
        TrafficScript.Expected expected = (_options.ExpectContinue ? TrafficScript.Expected.Continue : session.Expected[stage]) ?? TrafficScript.Expected.Continue;
        goOn = session.Expected[stage] is { IsContinue: true };
        if (expected.Matches(reply))
        {
            if (measured)
            {
                worker.Verified++;
            }

            return true;
        }

        goOn = false;
        Mismatch(worker, measured, $"line {session.Line} {StageName(stage)}: expected '{expected}', got {reply}");
        return false;
    }

    private void Mismatch(Worker worker, bool measured, string what)
    {
        if (measured)
        {
            worker.Mismatches++;
        }

        if (Interlocked.Increment(ref _reportedErrors) <= MaxReportedErrors)
        {
            _firstErrors.Enqueue(what);
        }
    }

    private static string StageName(int stage) => stage switch { 0 => "connect", 1 => "helo", 2 => "mail", _ => "rcpt" };

    private static async Task<bool> EndTrafficAsync(MilterClient milter, Worker worker, long t, bool matched, CancellationToken cancellationToken)
    {
        await milter.QuitAsync(cancellationToken).ConfigureAwait(false);
        worker.Mark(BenchStep.Quit, t);
        return matched;
    }

    private static async Task<bool> QuitAsync(MilterClient milter, Worker worker, long t, CancellationToken cancellationToken)
    {
        bool reachedEnd = worker.LastMark == BenchStep.EndOfMessage;
        await milter.QuitAsync(cancellationToken).ConfigureAwait(false);
        worker.Mark(BenchStep.Quit, t);
        return reachedEnd;
    }

    private void Report(Exception ex)
    {
        if (Interlocked.Increment(ref _reportedErrors) <= MaxReportedErrors)
        {
            _firstErrors.Enqueue($"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>One concurrent session runner: its histograms and counters are touched by it alone.</summary>
    private sealed class Worker
    {
        private readonly (BenchStep Step, long Ticks)[] _marks;

        public Worker(int maxMarks)
        {
            _marks = new (BenchStep, long)[maxMarks];
            Histograms = new LatencyHistogram[BenchSteps.Count];
            for (int i = 0; i < Histograms.Length; i++)
            {
                Histograms[i] = new LatencyHistogram();
            }
        }

        public LatencyHistogram[] Histograms { get; }

        public int MarkCount { get; set; }

        public BenchStep LastMark => MarkCount == 0 ? BenchStep.Session : _marks[MarkCount - 1].Step;

        public long Sessions { get; private set; }

        public long Errors { get; set; }

        public long Unexpected { get; private set; }

        /// <summary>Scripted replies that differed from the script (measured sessions).</summary>
        public long Mismatches { get; set; }

        /// <summary>Scripted replies checked and found as expected (measured sessions).</summary>
        public long Verified { get; set; }

        public long LastEnd { get; private set; }

        /// <summary>Notes the time since <paramref name="since"/> for <paramref name="step"/>; returns now.</summary>
        public long Mark(BenchStep step, long since)
        {
            long now = Stopwatch.GetTimestamp();
            if (MarkCount < _marks.Length)
            {
                _marks[MarkCount++] = (step, now - since);
            }

            return now;
        }

        /// <summary>Records a measured session: marks are kept until then so a session cut by the window leaves no trace.</summary>
        public void Commit(long start, long end, bool expected)
        {
            for (int i = 0; i < MarkCount; i++)
            {
                Histograms[(int)_marks[i].Step].Record(ToNanoseconds(_marks[i].Ticks));
            }

            Histograms[(int)BenchStep.Session].Record(ToNanoseconds(end - start));
            Sessions++;
            if (!expected)
            {
                Unexpected++;
            }

            LastEnd = Math.Max(LastEnd, end);
        }

        private static long ToNanoseconds(long ticks) =>
            Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1_000_000_000.0 / Stopwatch.Frequency));
    }
}
