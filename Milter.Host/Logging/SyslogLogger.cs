using Microsoft.Extensions.Logging;

namespace Milter.Host.Logging;

/// <summary>One category's logger of <see cref="SyslogLoggerProvider"/>; levels are filtered by <c>Logging:LogLevel</c>.</summary>
internal sealed class SyslogLogger(SyslogLoggerProvider provider) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        string message = formatter(state, exception);
        if (exception is not null)
        {
            message = $"{message} ({exception.GetType().Name}: {exception.Message})";
        }

        provider.Write(logLevel, message);
    }
}
