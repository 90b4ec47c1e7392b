namespace Milter.Host.Options;

/// <summary>
/// Where the milter keeps its state (rules status now; the lease store later): <c>Milter:StateDirectory</c>, else
/// <c>$STATE_DIRECTORY</c> (systemd's StateDirectory=), else /var/lib/milter for root, else
/// <c>$XDG_STATE_HOME/milter</c> or <c>~/.local/state/milter</c>.
/// </summary>
public static class StateDirectory
{
    public const string Key = "Milter:StateDirectory";

    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        if (Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } systemd)
        {
            return systemd.Split(':')[0];
        }

        if (Environment.UserName == "root")
        {
            return "/var/lib/milter";
        }

        string xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } x
            ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Combine(xdg, "milter");
    }
}
