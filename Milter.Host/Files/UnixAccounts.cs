using System.Globalization;

namespace Milter.Host.Files;

/// <summary>
/// Users and groups from <c>/etc/passwd</c> and <c>/etc/group</c> (the files, not NSS: a group kept only in LDAP has
/// unknown members here, and the checks that need them fail closed).
/// </summary>
internal static class UnixAccounts
{
    private const string PasswdFile = "/etc/passwd";
    private const string GroupFile = "/etc/group";

    /// <summary>A user name or number to its uid; null when there is no such user.</summary>
    public static uint? UserId(string nameOrNumber)
    {
        if (uint.TryParse(nameOrNumber, NumberStyles.None, CultureInfo.InvariantCulture, out uint numeric))
        {
            return numeric;
        }

        foreach (string[] fields in Entries(PasswdFile))
        {
            if (fields.Length >= 4 && fields[0] == nameOrNumber && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
            {
                return uid;
            }
        }

        return null;
    }

    /// <summary>A group name or number to its gid; null when there is no such group.</summary>
    public static uint? GroupId(string nameOrNumber)
    {
        if (uint.TryParse(nameOrNumber, NumberStyles.None, CultureInfo.InvariantCulture, out uint numeric))
        {
            return numeric;
        }

        foreach (string[] fields in Entries(GroupFile))
        {
            if (fields.Length >= 3 && fields[0] == nameOrNumber && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint gid))
            {
                return gid;
            }
        }

        return null;
    }

    /// <summary>The user name of <paramref name="uid"/>, else the number.</summary>
    public static string UserName(uint uid) =>
        Entries(PasswdFile).FirstOrDefault(f => f.Length >= 3 && f[2] == uid.ToString(CultureInfo.InvariantCulture))?[0] ?? uid.ToString(CultureInfo.InvariantCulture);

    /// <summary>The group name of <paramref name="gid"/>, else the number.</summary>
    public static string GroupName(uint gid) =>
        Entries(GroupFile).FirstOrDefault(f => f.Length >= 3 && f[2] == gid.ToString(CultureInfo.InvariantCulture))?[0] ?? gid.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Every uid that is in group <paramref name="gid"/>: the users whose primary group it is and its listed members;
    /// null when the group is not in /etc/group or a member is not in /etc/passwd (unknown: not to be trusted).
    /// </summary>
    public static IReadOnlySet<uint>? GroupMembers(uint gid)
    {
        string number = gid.ToString(CultureInfo.InvariantCulture);
        string[]? group = Entries(GroupFile).FirstOrDefault(f => f.Length >= 3 && f[2] == number);
        if (group is null)
        {
            return null;
        }

        var members = new HashSet<uint>();
        foreach (string[] user in Entries(PasswdFile))
        {
            if (user.Length >= 4 && user[3] == number && uint.TryParse(user[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint uid))
            {
                members.Add(uid);
            }
        }

        foreach (string name in group.Length >= 4 ? group[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [])
        {
            if (UserId(name) is not { } uid)
            {
                return null;
            }

            members.Add(uid);
        }

        return members;
    }

    private static IEnumerable<string[]> Entries(string file)
    {
        if (!File.Exists(file))
        {
            yield break;
        }

        foreach (string line in File.ReadLines(file))
        {
            if (line.Length > 0 && line[0] != '#')
            {
                yield return line.Split(':');
            }
        }
    }
}
