using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace Milter.Host.Composition;

/// <summary><c>milter run</c> under a service manager: READY=1 once it listens, STOPPING=1 at SIGTERM.</summary>
internal static class SystemdServices
{
    public static IServiceCollection AddMilterSystemd(this IServiceCollection services)
    {
        services.AddSystemd();
        NotifyWithoutSystemdParent(services);
        return services;
    }

    /// <summary>
    /// <c>AddSystemd</c> notifies only when systemd is the parent process; any supervisor that sets <c>NOTIFY_SOCKET</c>
    /// speaks the same protocol (sd_notify(3)), so READY=1 and STOPPING=1 go there too.
    /// </summary>
    private static void NotifyWithoutSystemdParent(IServiceCollection services)
    {
        if (!OperatingSystem.IsLinux() || SystemdHelpers.IsSystemdService() || string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")))
        {
            return;
        }

        services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.AddSingleton<IHostLifetime, SystemdLifetime>();
    }
}
