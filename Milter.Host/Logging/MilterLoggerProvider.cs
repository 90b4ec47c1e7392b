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
        _sink = new LogSink(target, chunkBytes, maxChunks, batchDelay, DropReport);
    }

    /// <summary>Lines dropped because the output could not keep up (the <c>log.lines.dropped.total</c> metric).</summary>
    public long Dropped => _sink.Dropped;

    public ILogger CreateLogger(string categoryName) => new MilterLogger(this, categoryName);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _sink.Dispose();
        }
    }

    internal void WriteDecision(LogLevel level, byte[] category, string categoryName, int eventId, in DecisionEntry entry)
    {
        if (_layout.Format == LogFormat.Json)
        {
            lock (_jsonLock)
            {
                var message = new Utf8LineWriter(_jsonMessage);
                entry.Write(ref message);
                WriteJson(level, categoryName, eventId, _jsonMessage.AsSpan(0, message.Length), null, entry);
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
                WriteJson(level, categoryName, eventId, _jsonMessage.AsSpan(0, text.Length), exception, state as IReadOnlyList<KeyValuePair<string, object?>>);
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

    /// <summary>
    /// Microsoft's JSON console shape (<c>EventId</c>, <c>LogLevel</c>, <c>Category</c>, <c>Message</c>, <c>Exception</c>,
    /// <c>State</c>), so existing log pipelines keep reading it; formatted under <see cref="_jsonLock"/>, then queued.
    /// </summary>
    private void WriteJson(LogLevel level, string category, int eventId, ReadOnlySpan<byte> message, Exception? exception, IReadOnlyList<KeyValuePair<string, object?>>? state)
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

        if (state is not null)
        {
            _jsonWriter.WriteStartObject("State"u8);
            for (int i = 0; i < state.Count; i++)
            {
                KeyValuePair<string, object?> pair = state[i];
                WriteJsonValue(pair.Key, pair.Value);
            }

            _jsonWriter.WriteEndObject();
        }

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
                _json.ResetWrittenCount();
                _jsonWriter.Reset(_json);
                _jsonWriter.WriteStartObject();
                _jsonWriter.WriteNumber("EventId"u8, DropReportEventId);
                _jsonWriter.WriteString("LogLevel"u8, LevelName(LogLevel.Warning));
                _jsonWriter.WriteString("Category"u8, "Milter.Logging");
                _jsonWriter.WriteString("Message"u8, message);
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
