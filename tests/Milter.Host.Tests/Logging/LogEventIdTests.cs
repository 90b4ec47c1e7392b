using System.Reflection;
using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using NUnit.Framework;

namespace Milter.Host.Tests.Logging;

/// <summary>
/// Issue 16 item 4: the log messages of an assembly are one <c>Log</c> class, and each area has its block of event ids,
/// written down in the table at the top of the assembly's <c>Log.cs</c>. The compiled <see cref="LoggerMessageAttribute"/>s
/// are checked against that table: no id twice in the assembly (ids written by hand, <c>…EventId</c> constants, count too),
/// every id inside a block of the file that writes it, no message outside the one class; and the operators' copy of the
/// table in docs/service.md has the same blocks.
/// </summary>
public partial class LogEventIdTests
{
    /// <summary>Each assembly and where its table is (an assembly with no message needs none).</summary>
    private static readonly Dictionary<string, (Assembly Assembly, string Table)> Assemblies = new()
    {
        ["Milter.Protocol"] = (typeof(Milter.Protocol.MilterCommandCode).Assembly, "Milter.Protocol/Log.cs"),
        ["Milter.Policy"] = (typeof(Milter.Policy.Model.PolicyStage).Assembly, "Milter.Policy/Log.cs"),
        ["Milter.Host"] = (typeof(Milter.Host.Logging.DecisionEntry).Assembly, "Milter.Host/Logging/Log.cs"),
    };

    private static IEnumerable<string> AssemblyNames => Assemblies.Keys;

    [TestCaseSource(nameof(AssemblyNames))]
    public void EveryMessage_IsAMethodOfTheAssemblysOneLogClass(string assembly)
    {
        Messages(assembly).Select(m => m.Method.DeclaringType!.FullName).Distinct()
            .Should().BeSubsetOf([$"{assembly}.Log"], "nested Log classes with ids of their own are what the one class replaced");
    }

    [TestCaseSource(nameof(AssemblyNames))]
    public void NoEventId_IsUsedTwiceInTheAssembly(string assembly)
    {
        string[] twice = [.. Ids(assembly).GroupBy(i => i.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(i => i.Name))}")];

        string.Join("; ", twice).Should().BeEmpty("an event id names one message");
    }

    [TestCaseSource(nameof(AssemblyNames))]
    public void EveryEventId_IsInABlockTheTableGivesToTheFileThatWritesIt(string assembly)
    {
        List<(string Name, int Id, string File)> ids = [.. Ids(assembly)];
        if (ids.Count == 0)
        {
            return;
        }

        Block[] table = Table(assembly);
        string[] outside = [.. ids.Where(i => !table.Any(b => b.File == i.File && b.First <= i.Id && i.Id <= b.Last))
            .Select(i => $"{i.Name} ({i.Id}, in {i.File})")];

        string.Join("; ", outside).Should().BeEmpty($"each area's ids are the blocks {Assemblies[assembly].Table} reserves for its file");
    }

    [TestCaseSource(nameof(AssemblyNames))]
    public void TheTable_GivesEachIdToOneAreaAtMost(string assembly)
    {
        if (!File.Exists(RepoFiles.Path(Assemblies[assembly].Table)))
        {
            Messages(assembly).Should().BeEmpty($"an assembly with log messages has their table in {Assemblies[assembly].Table}");
            return;
        }

        Block[] table = [.. Table(assembly).OrderBy(b => b.First)];
        table.Should().NotBeEmpty();
        string.Join("; ", table.Zip(table.Skip(1)).Where(p => p.Second.First <= p.First.Last).Select(p => $"{p.First} and {p.Second}"))
            .Should().BeEmpty("blocks do not overlap");
    }

    [Test]
    public void TheOperatorsTable_InDocsService_HasTheBlocksOfTheSourceTables()
    {
        IEnumerable<(int, int)> documented =
            from line in File.ReadLines(RepoFiles.Path("docs", "service.md"))
            let row = DocsRow().Match(line)
            where row.Success
            from block in row.Groups["blocks"].Value.Split(", ")
            let ends = block.Split('–')
            select (int.Parse(ends[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(ends[^1], System.Globalization.CultureInfo.InvariantCulture));
        IEnumerable<(int, int)> reserved =
            from assembly in Assemblies.Keys
            where File.Exists(RepoFiles.Path(Assemblies[assembly].Table))
            from block in Table(assembly)
            where block.File != "-"
            select (block.First, block.Last);

        documented.Should().BeEquivalentTo(reserved, "docs/service.md tells operators which block of ids is which area");
    }

    /// <summary>Every <see cref="LoggerMessageAttribute"/> method of the assembly, wherever it is declared.</summary>
    private static IEnumerable<(MethodInfo Method, int Id)> Messages(string assembly) =>
        from type in Assemblies[assembly].Assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select (method, attribute.EventId);

    /// <summary>
    /// Every event id of the assembly with the file that writes it: the messages (the file found in the source of the
    /// Log class, which must hold exactly the compiled ones) and the constants named <c>…EventId</c> (the file of their type).
    /// </summary>
    private static IEnumerable<(string Name, int Id, string File)> Ids(string assembly)
    {
        (string Name, int Id)[] compiled = [.. Messages(assembly).Select(m => (m.Method.Name, m.Id))];
        (string Name, int Id, string File)[] written = compiled.Length == 0 ? [] : [.. SourceMessages(assembly)];
        compiled.Should().BeEquivalentTo(written.Select(w => (w.Name, w.Id)),
            $"every message is written in {Assemblies[assembly].Table} or a Log.<Area>.cs beside it");

        foreach ((string name, int id, string file) in written)
        {
            yield return ($"Log.{name}", id, file);
        }

        IEnumerable<FieldInfo> constants =
            from type in Assemblies[assembly].Assembly.GetTypes()
            from field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
            where field.IsLiteral && field.FieldType == typeof(int) && field.Name.EndsWith("EventId", StringComparison.Ordinal)
            select field;
        foreach (FieldInfo field in constants)
        {
            Type type = field.DeclaringType!;
            while (type.DeclaringType is not null)
            {
                type = type.DeclaringType;
            }

            yield return ($"{field.DeclaringType!.Name}.{field.Name}", (int)field.GetRawConstantValue()!, type.Name + ".cs");
        }
    }

    /// <summary>The messages written in <c>Log.cs</c> and the <c>Log.*.cs</c> beside it: method, id, file.</summary>
    private static IEnumerable<(string Name, int Id, string File)> SourceMessages(string assembly)
    {
        string directory = Path.GetDirectoryName(RepoFiles.Path(Assemblies[assembly].Table))!;
        foreach (string file in Directory.GetFiles(directory, "Log*.cs").Where(f => LogFileName().IsMatch(Path.GetFileName(f))))
        {
            foreach (Match match in LoggerMessageDeclaration().Matches(File.ReadAllText(file)))
            {
                yield return (match.Groups["name"].Value, int.Parse(match.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture), Path.GetFileName(file));
            }
        }
    }

    /// <summary>The rows of the table at the top of the assembly's <c>Log.cs</c>: <c>// 3100-3199  area  file</c>.</summary>
    private static Block[] Table(string assembly)
    {
        Block[] rows = [.. File.ReadLines(RepoFiles.Path(Assemblies[assembly].Table))
            .Select(line => TableRow().Match(line))
            .Where(m => m.Success)
            .Select(m => new Block(
                int.Parse(m.Groups["first"].Value, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(m.Groups[m.Groups["last"].Success ? "last" : "first"].Value, System.Globalization.CultureInfo.InvariantCulture),
                m.Groups["area"].Value,
                m.Groups["file"].Value))];
        rows.Should().NotBeEmpty($"{Assemblies[assembly].Table} starts with the table of event-id blocks");
        return rows;
    }

    private sealed record Block(int First, int Last, string Area, string File);

    [GeneratedRegex(@"^//\s+(?<first>\d{4})(?:-(?<last>\d{4}))?\s+(?<area>\S.*?)\s{2,}(?<file>\S+)\s*$")]
    private static partial Regex TableRow();

    [GeneratedRegex(@"\[LoggerMessage\((?:EventId\s*=\s*)?(?<id>\d+)[^\n]*\n\s*(?:public|internal) static partial void (?<name>\w+)\(")]
    private static partial Regex LoggerMessageDeclaration();

    [GeneratedRegex(@"^\| (?<blocks>\d{4}(?:–\d{4})?(?:, \d{4}(?:–\d{4})?)*) \| ")]
    private static partial Regex DocsRow();

    [GeneratedRegex(@"^Log(\.\w+)?\.cs$")]
    private static partial Regex LogFileName();
}
