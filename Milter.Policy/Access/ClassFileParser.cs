using System.Text;

namespace Milter.Policy.Access;

/// <summary>
/// Reads class files like sendmail's <c>F</c> lines: lines starting with <c>#</c> are skipped, every whitespace-
/// separated word is a member. relay-domains is read with Debian's <c>%[^\#]</c> pattern (trailing comments allowed);
/// local-host-names without a pattern, so an inline <c>#word</c> becomes a member (warned).
/// </summary>
internal static class ClassFileParser
{
    public static int Parse(PolicyFile file, char className, bool stopAtHash, Dictionary<string, ClassEntry> members, List<LoadDiagnostic> diagnostics)
    {
        var text = Encoding.UTF8.GetString(file.Content);
        var lines = text.Split('\n');
        var count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++)
        {
            var line = lines[i].AsSpan();
            var lineNo = i + 1;
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            if (stopAtHash)
            {
                var hash = line.IndexOf('#');
                if (hash >= 0)
                {
                    line = line[..hash];
                }
            }

            foreach (var range in line.SplitAny(" \t\r\v\f"))
            {
                var word = line[range];
                if (word.IsEmpty)
                {
                    continue;
                }

                var name = word.ToString().ToLowerInvariant().TrimEnd('.');
                if (name.StartsWith('#'))
                {
                    diagnostics.Add(new LoadDiagnostic(file.Name, lineNo,
                        $"'{name}' is added to class {className}: sendmail has no inline comments in this file", IsError: false));
                }

                if (name.Length > 0)
                {
                    members.TryAdd(name, new ClassEntry(name, className, file.Name, lineNo));
                }
            }
        }

        return count;
    }
}
