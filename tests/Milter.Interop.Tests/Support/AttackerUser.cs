using System.Globalization;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// The unprivileged local user the trust-boundary tests act as: <c>milter-attacker</c>, created (a system user
/// with its own group, no home, no shell) the first time a test asks for it, and removed at the end of the run if
/// this run created it (<see cref="InteropRun"/>). Programs run as it through <c>setpriv</c> with no supplementary
/// groups and no capabilities.
/// </summary>
internal static class AttackerUser
{
    public const string Name = "milter-attacker";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (int Uid, int Gid)? _ids;
    private static bool _created;

    public static int Uid => _ids?.Uid ?? throw new InvalidOperationException("AttackerUser.EnsureAsync first");

    public static int Gid => _ids?.Gid ?? throw new InvalidOperationException("AttackerUser.EnsureAsync first");

    /// <summary>Creates the user if it does not exist (idempotent; root only).</summary>
    public static async Task EnsureAsync()
    {
        Tools.RequireRoot("creating the unprivileged test user and acting as it needs root");
        await Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_ids is not null)
            {
                return;
            }

            if ((await IdAsync("-u").ConfigureAwait(false)) is null)
            {
                string useradd = Tools.Require("useradd", "passwd");
                ProcessResult add = await ProcessRunner.RunAsync(useradd, ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", Name], TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                if (add.ExitCode != 0 && (await IdAsync("-u").ConfigureAwait(false)) is null)
                {
                    throw new InvalidOperationException($"useradd {Name} failed:\n{add}");
                }

                _created = add.ExitCode == 0;
            }

            _ids = ((await IdAsync("-u").ConfigureAwait(false))!.Value, (await IdAsync("-g").ConfigureAwait(false))!.Value);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Removes the user (and its group) when this run created it.</summary>
    public static void RemoveIfCreated()
    {
        if (!_created)
        {
            return;
        }

        _created = false;
        ProcessRunner.RunAsync(Tools.Require("userdel", "passwd"), [Name], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
    }

    /// <summary><paramref name="program"/> run as the attacker (setpriv: its uid and gid, no other groups, no capabilities).</summary>
    public static Task<ProcessResult> RunAsync(string program, params string[] arguments) =>
        ProcessRunner.RunAsync(
            Tools.Require("setpriv", "util-linux"),
            [$"--reuid={Uid.ToString(CultureInfo.InvariantCulture)}", $"--regid={Gid.ToString(CultureInfo.InvariantCulture)}", "--clear-groups", "--inh-caps=-all", "--", program, .. arguments],
            TimeSpan.FromSeconds(60));

    private static async Task<int?> IdAsync(string which)
    {
        ProcessResult id = await ProcessRunner.RunAsync("id", [which, Name], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return id.ExitCode == 0 && int.TryParse(id.StdOut.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;
    }
}
