using System.Text;
using Milter.Policy.Model;

namespace Milter.Policy.Access;

/// <summary>
/// Reads the access source exactly as <c>makemap hash</c> does (spec §1.1): <c>fgets</c> into a 1024-byte buffer,
/// <c>#</c> comments in column 1, leading-space errors, key up to the first whitespace (ASCII folded), value to end
/// of line with blanks kept, first value kept on duplicates. Adds lint warnings and the <c>Connect:</c> CIDR extension.
/// </summary>
internal sealed class AccessFileParser
{
    private const int BufferSize = 1024;

    private static readonly HashSet<string> KnownTags = new(StringComparer.Ordinal)
    {
        "connect:", "from:", "to:", "spam:",
    };

    private static readonly HashSet<string> IgnoredTags = new(StringComparer.Ordinal)
    {
        "greetpause:", "clientrate:", "clientconn:", "compat:", "certissuer:", "certsubject:", "tls_srv:", "tls_clt:",
        "tls_rcpt:", "try_tls:", "srv_features:", "clt_features:", "qgrp:", "authinfo:", "mta-sts:", "delay_tls_clt:",
    };

    private readonly Dictionary<string, AccessEntry> _exact = new(StringComparer.Ordinal);
    private readonly CidrTable _v4 = new(32);
    private readonly CidrTable _v6 = new(128);
    private readonly List<AccessEntry> _entries = [];
    private readonly List<LoadDiagnostic> _diagnostics;

    public AccessFileParser(List<LoadDiagnostic> diagnostics) => _diagnostics = diagnostics;

    public int Lines { get; private set; }

    public AccessTable Build() => new(_exact, _v4, _v6, _entries);

    public void Parse(PolicyFile file)
    {
        var bytes = file.Content;
        var pos = 0;
        var lineNo = 0;
        var lint = new List<string>();
        while (pos < bytes.Length)
        {
            lineNo++;
            var max = Math.Min(BufferSize - 1, bytes.Length - pos);
            var newline = Array.IndexOf(bytes, (byte)'\n', pos, max);
            int length;
            if (newline >= 0)
            {
                length = newline - pos;
                var line = bytes.AsSpan(pos, length);
                pos = newline + 1;
                ParseLine(file.Name, lineNo, Encoding.UTF8.GetString(line), lint);
                continue;
            }

            length = max;
            var chunk = bytes.AsSpan(pos, length);
            pos += length;
            if (pos < bytes.Length)
            {
                // makemap: no newline in the buffer and not at EOF; the rest is read as the next "line".
                Error(file.Name, lineNo, $"line too long ({BufferSize} bytes max)");
                continue;
            }

            ParseLine(file.Name, lineNo, Encoding.UTF8.GetString(chunk), lint);
        }

        Lines += lineNo;
    }

    private void ParseLine(string file, int lineNo, string line, List<string> lint)
    {
        if (line.Length == 0 || line[0] == '#')
        {
            return;
        }

        if (AccessValueParser.IsSpace(line[0]))
        {
            Error(file, lineNo, "syntax error (leading space)");
            return;
        }

        var keyEnd = 0;
        while (keyEnd < line.Length && !AccessValueParser.IsSpace(line[keyEnd]))
        {
            keyEnd++;
        }

        var valueStart = keyEnd;
        while (valueStart < line.Length && AccessValueParser.IsSpace(line[valueStart]))
        {
            valueStart++;
        }

        var key = AccessTable.AsciiLower(line[..keyEnd]);
        if (valueStart == line.Length)
        {
            Error(file, lineNo, $"no RHS for LHS {key}");
            return;
        }

        var value = line[valueStart..];
        lint.Clear();
        var parsed = AccessValueParser.Parse(value, lint);
        var entry = new AccessEntry(key, value, file, lineNo, parsed);
        LintKey(entry, lint);
        if (value.EndsWith('\r'))
        {
            lint.Add("line ends in CR (DOS line end): makemap stores the value with a trailing \\r");
        }

        var hash = value.IndexOf('#', StringComparison.Ordinal);
        if (hash > 0 && AccessValueParser.IsSpace(value[hash - 1]))
        {
            lint.Add("'#' inside the value is not a comment: it is part of the value");
        }

        if (TryParseCidr(entry, out var isV6, out var length, out var network, out var reason))
        {
            var table = isV6 ? _v6 : _v4;
            if (!table.TryAdd(length, network, entry, out var first))
            {
                Error(file, lineNo, $"duplicate key {key} (same network as line {first!.Line}; first value kept)");
                return;
            }
        }
        else if (reason is not null)
        {
            Error(file, lineNo, reason);
            return;
        }
        else if (!_exact.TryAdd(key, entry))
        {
            Error(file, lineNo, $"duplicate key {key} (first value kept, line {_exact[key].Line})");
            return;
        }

        _entries.Add(entry);
        foreach (var warning in lint)
        {
            _diagnostics.Add(new LoadDiagnostic(file, lineNo, warning, IsError: false));
        }
    }

    private static void LintKey(AccessEntry entry, List<string> lint)
    {
        var tag = entry.Tag;
        var grammar = tag is "" or "connect:" or "from:" or "to:";
        if (tag.Length == 0)
        {
            lint.Add("untagged key: deprecated, it matches Connect:, From: and To: lookups alike");
        }
        else if (IgnoredTags.Contains(tag))
        {
            lint.Add($"tag {tag} is not evaluated by this milter");
            lint.RemoveAll(w => w.StartsWith("value ", StringComparison.Ordinal));
            return;
        }
        else if (!KnownTags.Contains(tag))
        {
            lint.Add($"unknown tag {tag}");
        }

        if (tag == "spam:" && entry.Action is not (AccessAction.Friend or AccessAction.Hater))
        {
            lint.Add("Spam: values are FRIEND or HATER");
        }

        if (grammar && entry.Action is AccessAction.Friend or AccessAction.Hater)
        {
            lint.Add($"FRIEND/HATER only mean something under Spam:; here Sendmail answers \"{entry.Reply.Line}\"");
        }

        var bare = entry.Key.AsSpan(tag.Length);
        if (bare.StartsWith("ipv6:", StringComparison.Ordinal) && bare.Contains("::", StringComparison.Ordinal) && !bare.Contains('/'))
        {
            lint.Add("compressed IPv6 key never matches: Sendmail looks up the uncompressed form (IPv6:2001:db8:0:0:0:0:0:1)");
        }
    }

    /// <summary>Extension: <c>Connect:10.0.0.0/8</c>, <c>Connect:IPv6:2001:db8::/32</c>.</summary>
    private static bool TryParseCidr(AccessEntry entry, out bool isV6, out int length, out UInt128 network, out string? reason)
    {
        isV6 = false;
        length = 0;
        network = default;
        reason = null;
        var key = entry.Key.AsSpan();
        var slash = key.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }

        if (entry.Tag != "connect:")
        {
            return false;
        }

        var address = key[entry.Tag.Length..slash];
        if (!ClientAddress.TryParse(address, out var parsed) ||
            !int.TryParse(key[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length))
        {
            reason = $"invalid CIDR key {entry.Key}";
            return false;
        }

        isV6 = parsed.IsIPv6;
        var width = isV6 ? 128 : 32;
        if (length > width)
        {
            reason = $"invalid CIDR key {entry.Key}: prefix length above {width}";
            return false;
        }

        var value = isV6 ? parsed.V6 : parsed.V4;
        var table = new CidrTable(width);
        network = value & table.Mask(length);
        return true;
    }

    private void Error(string file, int line, string reason) =>
        _diagnostics.Add(new LoadDiagnostic(file, line, reason, IsError: true));
}
