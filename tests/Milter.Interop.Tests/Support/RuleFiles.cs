namespace Milter.Interop.Tests.Support;

/// <summary>
/// The three rule files <c>milter run</c> reads, as the Sendmail and Postfix fixtures write them: an access file
/// (makemap syntax), relay-domains (class R: <c>relayed.example</c>) and local-host-names (class w: <c>local.test.example</c>).
/// </summary>
public sealed record RuleFiles(string Access, string RelayDomains, string LocalDomains)
{
    /// <summary>Writes the files into <paramref name="directory"/> (which exists) with <paramref name="access"/> as the access file.</summary>
    public static async Task<RuleFiles> WriteAsync(string directory, string access)
    {
        var files = new RuleFiles(Path.Combine(directory, "access"), Path.Combine(directory, "relay-domains"), Path.Combine(directory, "local-host-names"));
        await File.WriteAllTextAsync(files.Access, access).ConfigureAwait(false);
        await File.WriteAllTextAsync(files.RelayDomains, "# class R\nrelayed.example\n").ConfigureAwait(false);
        await File.WriteAllTextAsync(files.LocalDomains, "# class w\nlocal.test.example\n").ConfigureAwait(false);
        return files;
    }
}
