namespace Milter.Host.Options;

/// <summary>The known key an unknown one most likely meant: "did you mean …" in the problem line.</summary>
internal static class NearestKey
{
    /// <summary>
    /// The setting of <paramref name="section"/> nearest to <paramref name="written"/> (edit distance, case ignored);
    /// a setting of exactly that name in another section wins over a sibling two or more edits away
    /// (<c>Milter:Listener:TrustedAuthMechanisms</c> → <c>Milter:Policy:TrustedAuthMechanisms</c>).
    /// </summary>
    public static string Suggest(SettingNode section, string written)
    {
        // Fewest edits first; among equals, the longest common prefix (Listn: Listener before Limits), then by name.
        (SettingNode? best, int bestDistance) = section.Children.Values
            .Select(c => (Node: (SettingNode?)c, Distance: Distance(written, c.Name)))
            .OrderBy(c => c.Distance)
            .ThenByDescending(c => CommonPrefix(written, c.Node!.Name))
            .ThenBy(c => c.Node!.Name, StringComparer.Ordinal)
            .FirstOrDefault((null, int.MaxValue));

        if (bestDistance > 1)
        {
            SettingNode? elsewhere = SettingsSchema.Root.DescendantsAndSelf()
                .Where(n => n.Property is not null && string.Equals(n.Name, written, StringComparison.OrdinalIgnoreCase))
                .OrderBy(n => n.Path.Length)
                .FirstOrDefault();
            best = elsewhere ?? best;
        }

        return best?.Path ?? (section.Path.Length == 0 ? SettingsSchema.MilterSection : section.Path);
    }

    private static int CommonPrefix(string a, string b)
    {
        int n = 0;
        while (n < a.Length && n < b.Length && char.ToUpperInvariant(a[n]) == char.ToUpperInvariant(b[n]))
        {
            n++;
        }

        return n;
    }

    /// <summary>Optimal string alignment distance (insert, delete, substitute, swap two neighbours), case ignored.</summary>
    public static int Distance(string a, string b)
    {
        a = a.ToUpperInvariant();
        b = b.ToUpperInvariant();
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
