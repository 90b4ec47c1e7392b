using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Milter.Host.Logging;

/// <summary>
/// <c>milter run</c>'s one log output, in the format of <c>Milter:Logging:Format</c>: every entry is one line, formatted
/// as UTF-8 into <see cref="LogSink"/>'s buffer and written in batches by its thread (stdout, or syslog datagrams).
/// Decision lines (<see cref="DecisionEntry"/>) are written field by field without allocating; other messages go
/// through their formatter (start-up, reloads, warnings: rare). Disposing writes every queued line.
/// </summary>
[ProviderAlias("Milter")]
internal sealed class MilterLoggerProvider : ILoggerProvider
{
    private const int DropReportEventId = 3600;
    private static readonly byte[] LoggingCategory = "Milter.Logging"u8.ToArray();
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private readonly LogLineLayout _layout;
    private readonly LogSink _sink;
    private readonly Lock _jsonLock = new();
    private readonly ArrayBufferWriter<byte> _json = new(1024);
    private readonly Utf8JsonWriter _jsonWriter;
    private readonly byte[] _jsonMessage = new byte[LogSink.MaxLineBytes];
    private int _disposed;

    /// <summary>
    /// The target is stdout, or the syslog socket for <see cref="LogFormat.Syslog"/> (its lines go to <c>fallback</c>,
    /// default stderr, when the socket cannot be reached); tests give their own target and a small queue bound.
    /// </summary>
    public MilterLoggerProvider(LoggingSettings settings, LogFormat format, LogTarget? target = null, TimeProvider? time = null,
        TextWriter? fallback = null, int chunkBytes = 64 * 1024, int maxChunks = 16, TimeSpan? batchDelay = null)
    {
        _layout = new LogLineLayout(format, settings, time);
        target ??= format == LogFormat.Syslog ? new SyslogLogTarget(settings.SyslogSocket, fallback) : StreamLogTarget.StandardOutput();
        _jsonWriter = new Utf8JsonWriter(_json, JsonOptions);
        _sink = new LogSink(target, chunkBytes, maxChunks, batchDelay ?? TimeSpan.FromMilliseconds(settings.BatchMilliseconds), DropReport);
    }

    /// <summary>Lines dropped because the output could not keep up (the <c>log.lines.dropped.total</c> metric).</summary>
    public long Dropped => _sink.Dropped;

    internal LogSink Sink => _sink;

    public ILogger CreateLogger(string categoryName) => new MilterLogger(this, categoryName);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _sink.Dispose();
        }
    }

    // JSON lines have Microsoft's JSON console shape (EventId, LogLevel, Category, Message, Exception, State), so existing
    // log pipelines keep reading them; they are formatted under _jsonLock into one reused buffer, then queued.
    internal void WriteDecision(LogLevel level, byte[] category, string categoryName, int eventId, in DecisionEntry entry)
    {
        if (_layout.Format == LogFormat.Json)
        {
            lock (_jsonLock)
            {
                var message = new Utf8LineWriter(_jsonMessage);
                entry.Write(ref message);
                StartJson(level, categoryName, eventId, _jsonMessage.AsSpan(0, message.Length), null);
                _jsonWriter.WriteStartObject("State"u8);
                _jsonWriter.WriteString("QueueId"u8, entry.QueueId ?? "-");
                _jsonWriter.WriteString("Client"u8, entry.Client ?? "-");
                _jsonWriter.WriteString("Stage"u8, entry.Stage);
                _jsonWriter.WriteString("Sender"u8, entry.Sender);
                _jsonWriter.WriteString("Recipient"u8, entry.Recipient);
                _jsonWriter.WriteNumber("Recipients"u8, entry.Recipients);
                _jsonWriter.WriteString("Verdict"u8, entry.Verdict);
                _jsonWriter.WriteString("Rule"u8, entry.Rule);
                _jsonWriter.WriteEndObject();
                EndJson();
            }

            return;
        }

        LogSink.LineScope scope = _sink.Begin(LogLineLayout.MaxPrefixBytes + category.Length + entry.MaxBytes);
        using (scope)
        {
            if (scope.Buffer.IsEmpty)
            {
                return;
            }

            var line = new Utf8LineWriter(scope.Buffer);
            _layout.WritePrefix(ref line, level, category, eventId);
            entry.Write(ref line);
            scope.Commit(line.Finish());
        }
    }

    internal void WriteMessage<TState>(LogLevel level, byte[] category, string categoryName, int eventId, string message, Exception? exception, TState state)
    {
        if (_layout.Format == LogFormat.Json)
        {
            lock (_jsonLock)
            {
                var text = new Utf8LineWriter(_jsonMessage);
                text.AppendText(message);
                StartJson(level, categoryName, eventId, _jsonMessage.AsSpan(0, text.Length), exception);
                if (state is IReadOnlyList<KeyValuePair<string, object?>> pairs)
                {
                    _jsonWriter.WriteStartObject("State"u8);
                    for (int i = 0; i < pairs.Count; i++)
                    {
                        WriteJsonValue(pairs[i].Key, pairs[i].Value);
                    }

                    _jsonWriter.WriteEndObject();
                }

                EndJson();
            }

            return;
        }

        int max = LogLineLayout.MaxPrefixBytes + category.Length + Utf8LineWriter.MaxBytes(message)
            + (exception is null ? 0 : 8 + Utf8LineWriter.MaxBytes(exception.GetType().Name) + Utf8LineWriter.MaxBytes(exception.Message));
        LogSink.LineScope scope = _sink.Begin(max);
        using (scope)
        {
            if (scope.Buffer.IsEmpty)
            {
                return;
            }

            var line = new Utf8LineWriter(scope.Buffer);
            _layout.WritePrefix(ref line, level, category, eventId);
            line.AppendText(message);
            if (exception is not null)
            {
                // One line per entry in every format: the exception's type and message, not its stack.
                line.Append(" ("u8);
                line.AppendText(exception.GetType().Name);
                line.Append(": "u8);
                line.AppendText(exception.Message);
                line.Append((byte)')');
            }

            scope.Commit(line.Finish());
        }
    }

    private void StartJson(LogLevel level, string category, int eventId, ReadOnlySpan<byte> message, Exception? exception)
    {
        _json.ResetWrittenCount();
        _jsonWriter.Reset(_json);
        _jsonWriter.WriteStartObject();
        _jsonWriter.WriteNumber("EventId"u8, eventId);
        _jsonWriter.WriteString("LogLevel"u8, LevelName(level));
        _jsonWriter.WriteString("Category"u8, category);
        _jsonWriter.WriteString("Message"u8, message);
        if (exception is not null)
        {
            _jsonWriter.WriteString("Exception"u8, exception.GetType().Name + ": " + exception.Message);
        }
    }

    /// <summary>Closes the object and queues the line (a line over <see cref="LogSink.MaxLineBytes"/> is dropped whole: cut JSON is no JSON).</summary>
    private void EndJson()
    {
        _jsonWriter.WriteEndObject();
        _jsonWriter.Flush();
        _json.Write("\n"u8);
        if (_json.WrittenCount <= LogSink.MaxLineBytes)
        {
            _sink.Write(_json.WrittenSpan);
        }
    }

    private void WriteJsonValue(string name, object? value)
    {
        switch (value)
        {
            case null:
                _jsonWriter.WriteNull(name);
                break;
            case string text:
                _jsonWriter.WriteString(name, text);
                break;
            case bool flag:
                _jsonWriter.WriteBoolean(name, flag);
                break;
            case int number:
                _jsonWriter.WriteNumber(name, number);
                break;
            case long number:
                _jsonWriter.WriteNumber(name, number);
                break;
            case double number:
                _jsonWriter.WriteNumber(name, number);
                break;
            case IFormattable formattable:
                _jsonWriter.WriteString(name, formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                _jsonWriter.WriteString(name, value.ToString());
                break;
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "Trace",
        LogLevel.Debug => "Debug",
        LogLevel.Information => "Information",
        LogLevel.Warning => "Warning",
        LogLevel.Error => "Error",
        _ => "Critical",
    };

    /// <summary>The writer thread's report of dropped lines, in this output's format.</summary>
    private int DropReport(long dropped, byte[] buffer)
    {
        string message = string.Create(CultureInfo.InvariantCulture,
            $"log output overloaded: {dropped} lines dropped (queue full); milter_log_lines_dropped_total counts them");
        if (_layout.Format == LogFormat.Json)
        {
            lock (_jsonLock)
            {
                StartJson(LogLevel.Warning, "Milter.Logging", DropReportEventId, System.Text.Encoding.UTF8.GetBytes(message), null);
                _jsonWriter.WriteEndObject();
                _jsonWriter.Flush();
                _json.Write("\n"u8);
                _json.WrittenSpan.CopyTo(buffer);
                return _json.WrittenCount;
            }
        }

        var line = new Utf8LineWriter(buffer);
        _layout.WritePrefix(ref line, LogLevel.Warning, LoggingCategory, DropReportEventId);
        line.AppendText(message);
        return line.Finish();
    }
}
