using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Milter.Host.Logging;

namespace Milter.Host.Composition;

/// <summary>Sets up <c>milter run</c>'s one log output from <c>Milter:Logging:Format</c>, levels from <c>Logging</c>.</summary>
internal static class LoggingServices
{
    /// <summary>Registers <see cref="MilterLoggerProvider"/> (owned by the container: disposing the host flushes it).</summary>
    public static ILoggingBuilder AddMilterLogging(this ILoggingBuilder logging, IConfiguration configuration, LoggingSettings settings)
    {
        // The host's lifetime lines ("Application started", "Hosting environment", "Content root path"; under systemd
        // too) are noise for a daemon whose own lines say where it listens and what it loaded: Warning and up, unless
        // Logging:LogLevel:Microsoft.Hosting.Lifetime says otherwise (the configuration's rules come after this one).
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        logging.AddConfiguration(configuration.GetSection("Logging"));
        LogFormat format = LogFormats.Resolve(settings.Format);
        logging.Services.AddSingleton(_ => new MilterLoggerProvider(settings, format));
        logging.Services.AddSingleton<ILoggerProvider>(sp => sp.GetRequiredService<MilterLoggerProvider>());
        logging.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        return logging;
    }
}
