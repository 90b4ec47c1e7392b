using System.Globalization;
using Milter.Host.Files;

namespace Milter.Host.Leases.Feeds.Logs;

/// <summary>
/// Where the follower stopped, kept in the state directory so that a restart does not add old lines again:
/// <c>log-follower.position</c> = <c>1 DEVICE INODE OFFSET</c> and the log path on the second line, replaced atomically and never through a
/// symbolic link (<see cref="SafeFile"/>).
/// </summary>
internal sealed record LogPosition(string Path, FileIdentity? Identity, long Offset)
{
    public const string FileName = "log-follower.position";

    public static LogPosition? Load(string file)
    {
        try
        {
            if (SafeFile.ReadAllBytes(file, 64 * 1024) is not { } content)
            {
                return null;
            }

            string[] lines = System.Text.Encoding.UTF8.GetString(content).Split('\n');
            string[] fields = lines.Length >= 2 ? lines[0].Split(' ') : [];
            if (fields.Length != 4 || fields[0] != "1"
                || !ulong.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong device)
                || !ulong.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode)
                || !long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
            {
                return null;
            }

            FileIdentity? identity = device == 0 && inode == 0 ? null : new FileIdentity(device, inode);
            return new LogPosition(lines[1], identity, offset);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Save(string file)
    {
        string text = string.Create(CultureInfo.InvariantCulture, $"1 {Identity?.Device ?? 0} {Identity?.Inode ?? 0} {Offset}\n{Path}\n");
        SafeFile.Replace(file, System.Text.Encoding.UTF8.GetBytes(text), SafeFile.Private);
    }
}
