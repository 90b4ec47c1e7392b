namespace Milter.Host.Files;

/// <summary>
/// Who may own and write a file the milter relies on (OpenSSH's StrictModes, made exact): the owner must be one of
/// <see cref="TrustedUids"/>, nobody else may write it — not every user (<c>o+w</c>), and through the group
/// (<c>g+w</c>) only when every member of that group is trusted. A parent directory may be writable by everyone
/// when its sticky bit is set (<c>/tmp</c>): others then cannot rename or remove what they do not own.
/// </summary>
internal sealed class FileTrust
{
    public FileTrust(IEnumerable<uint> trustedUids, string description)
    {
        TrustedUids = new HashSet<uint>(trustedUids) { 0 };
        Description = description;
    }

    /// <summary>Root and the users named when this was made.</summary>
    public IReadOnlySet<uint> TrustedUids { get; }

    /// <summary>Who that is, in words, for the messages (<c>root or milter</c>).</summary>
    public string Description { get; }

    /// <summary>Root and this process's effective user (the service user of <c>milter run</c>).</summary>
    public static FileTrust ServiceUser()
    {
        uint self = ProcessIdentity.EffectiveUserId;
        return new FileTrust([self], self == 0 ? "root" : $"root or {UnixAccounts.UserName(self)}");
    }

    /// <summary>Root and the users named (by name or number); null with <paramref name="error"/> for an unknown user.</summary>
    public static FileTrust? Users(IEnumerable<string> names, out string? error)
    {
        var uids = new List<uint>();
        var words = new List<string> { "root" };
        foreach (string name in names)
        {
            if (UnixAccounts.UserId(name) is not { } uid)
            {
                error = $"no user '{name}'";
                return null;
            }

            uids.Add(uid);
            if (uid != 0)
            {
                words.Add(UnixAccounts.UserName(uid));
            }
        }

        error = null;
        return new FileTrust(uids, string.Join(" or ", words.Distinct()));
    }

    public FileTrust With(uint uid) =>
        TrustedUids.Contains(uid) ? this : new FileTrust([.. TrustedUids, uid], $"{Description} or {UnixAccounts.UserName(uid)}");

    /// <summary>
    /// Why <paramref name="status"/> of <paramref name="path"/> cannot be trusted, or null. A parent directory
    /// (<paramref name="isParent"/>) may be writable by others with its sticky bit set; a socket's mode says who may
    /// connect, not who may replace it, so only its owner is checked.
    /// </summary>
    public string? Problem(string path, FileStatus status, bool isParent = false)
    {
        string? reason = Reason(status, isParent);
        return reason is null ? null : Describe(path, status) + ": " + reason;
    }

    /// <summary><c>PATH: owner NAME (uid N), group G (gid N), mode 0777</c>, the start of every message.</summary>
    public static string Describe(string path, FileStatus status) =>
        $"{path}: owner {UnixAccounts.UserName(status.Uid)} (uid {status.Uid}), group {UnixAccounts.GroupName(status.Gid)} (gid {status.Gid}), mode {status.ModeText}";

    private string? Reason(FileStatus status, bool isParent)
    {
        if (!TrustedUids.Contains(status.Uid))
        {
            return $"not owned by {Description}";
        }

        if (status.Kind is FileKind.SymbolicLink or FileKind.Socket)
        {
            return null; // a link's own mode means nothing; a socket's says who may connect
        }

        bool sticky = isParent && status.Kind == FileKind.Directory && status.IsSticky;
        if (status.OthersWritable && !sticky)
        {
            return "writable by every user";
        }

        if (status.GroupWritable && !sticky)
        {
            IReadOnlySet<uint>? members = UnixAccounts.GroupMembers(status.Gid);
            if (members is null)
            {
                return $"writable by group {UnixAccounts.GroupName(status.Gid)}, whose members are not all known from /etc/group and /etc/passwd";
            }

            foreach (uint member in members)
            {
                if (!TrustedUids.Contains(member))
                {
                    return $"writable by group {UnixAccounts.GroupName(status.Gid)}, which has member {UnixAccounts.UserName(member)} besides {Description}";
                }
            }
        }

        return null;
    }
}
