using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Milter.Host.Logging;

/// <summary>Sets up <c>milter run</c>'s one log output from <c>Milter:Logging:Format</c>, levels from <c>Logging</c>.</summary>
internal static class LogOutput
{
    /// <summary>Call after <c>AddSystemd</c>: an explicit format wins over its journal-format default.</summary>
    public static void Configure(ILoggingBuilder logging, IConfiguration configuration, LoggingSettings settings)
    {
        logging.AddConfiguration(configuration.GetSection("Logging"));
        switch (settings.Format.ToLowerInvariant())
        {
            case "syslog":
                logging.Services.AddSingleton<ILoggerProvider>(new SyslogLoggerProvider(settings));
                break;
            case "json":
                logging.AddJsonConsole(o => o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false });
                logging.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = ConsoleFormatterNames.Json);
                break;
            case "systemd":
                logging.AddSystemdConsole();
                logging.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = ConsoleFormatterNames.Systemd);
                break;
            default:
                logging.AddConsole(); // AddSystemd has chosen the journal format when it sees systemd as the parent
                if (Environment.GetEnvironmentVariable("JOURNAL_STREAM") is { Length: > 0 })
                {
                    // systemd.exec(5): stdout goes to the journal. Also true where AddSystemd cannot see the parent (ProtectProc=invisible).
                    logging.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = ConsoleFormatterNames.Systemd);
                }

                break;
        }
    }
}
