namespace Milter.Host.Files;

/// <summary>
/// Checks a path the way the kernel walks it: every directory from <c>/</c> down, every symbolic link on the way
/// (its owner) and the directory or file it leads to, so that no untrusted user can swap any part of it. The last
/// component may be missing (a log that does not exist yet, a state directory still to be created): its parents
/// are checked all the same.
/// </summary>
internal static class PathTrust
{
    private const int MaxLinks = 40; // the kernel's MAXSYMLINKS

    /// <summary>The problems of <paramref name="path"/> (none: trusted), each naming the path, owner, group, mode and reason.</summary>
    public static IReadOnlyList<string> Check(string path, FileTrust trust)
    {
        var problems = new List<string>();
        var pending = new Stack<string>(Components(Path.GetFullPath(path)).Reverse());
        string current = "/";
        if (FileStatus.Of(current) is { } root && trust.Problem(current, root, isParent: pending.Count > 0) is { } rootProblem)
        {
            problems.Add(rootProblem);
        }

        int links = 0;
        while (pending.Count > 0)
        {
            string name = pending.Pop();
            if (name == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }

            string candidate = Path.Combine(current, name);
            FileStatus? status = FileStatus.Of(candidate);
            if (status is not { } found)
            {
                break; // missing: nothing below it to check
            }

            bool last = pending.Count == 0;
            if (trust.Problem(candidate, found, isParent: !last) is { } problem)
            {
                problems.Add(problem);
            }

            if (found.Kind != FileKind.SymbolicLink)
            {
                current = candidate;
                continue;
            }

            if (++links > MaxLinks)
            {
                problems.Add($"{path}: more than {MaxLinks} symbolic links");
                break;
            }

            string target = new FileInfo(candidate).LinkTarget ?? string.Empty;
            foreach (string part in Components(target).Reverse())
            {
                pending.Push(part);
            }

            if (Path.IsPathRooted(target))
            {
                current = "/";
            }
        }

        return problems;
    }

    private static IEnumerable<string> Components(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");
}
