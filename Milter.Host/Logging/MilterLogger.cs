using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Milter.Host.Logging;

/// <summary>One category's logger of <see cref="MilterLoggerProvider"/>; levels are filtered by <c>Logging:LogLevel</c>.</summary>
internal sealed class MilterLogger(MilterLoggerProvider provider, string category) : ILogger
{
    private readonly byte[] _category = Encoding.UTF8.GetBytes(category);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel == LogLevel.None)
        {
            return;
        }

        if (typeof(TState) == typeof(DecisionEntry))
        {
            // The decision path: written field by field into the output buffer (the JIT drops this test for other states).
            provider.WriteDecision(logLevel, _category, category, eventId.Id, Unsafe.As<TState, DecisionEntry>(ref state));
            return;
        }

        provider.WriteMessage(logLevel, _category, category, eventId.Id, formatter(state, exception), exception, state);
    }
}
