using System.Text;
using Milter.Policy.Model;

namespace Milter.Policy.Access;

/// <summary>
/// Reads the access source exactly as <c>makemap hash</c> does (makemap.c, makemap(8)): <c>fgets</c> into a 1024-byte buffer,
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
        "greetpause:", "compat:", "certissuer:", "certsubject:", "tls_srv:", "tls_clt:",
        "tls_rcpt:", "try_tls:", "srv_features:", "clt_features:", "qgrp:", "authinfo:", "mta-sts:", "delay_tls_clt:",
    };

    /// <summary>Distinct values kept for sharing; past this, values are parsed per line (a file of unique values).</summary>
    private const int MaxSharedValues = 4096;

    private readonly Dictionary<string, AccessEntry> _exact = new(StringComparer.Ordinal);
    private readonly CidrTable _v4 = new(32);
    private readonly CidrTable _v6 = new(128);
    private readonly List<AccessEntry> _entries = [];
    private readonly Dictionary<string, AccessRhs> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AccessRhs>.AlternateLookup<ReadOnlySpan<char>> _valuesBySpan;
    private readonly HashSet<string> _tags = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _tagsBySpan;
    private readonly List<LoadDiagnostic> _diagnostics;
    private readonly List<string> _lint = [];

    public AccessFileParser(List<LoadDiagnostic> diagnostics)
    {
        _diagnostics = diagnostics;
        _valuesBySpan = _values.GetAlternateLookup<ReadOnlySpan<char>>();
        _tagsBySpan = _tags.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Lines { get; private set; }

    public AccessTable Build() => new(_exact, _v4, _v6, _entries);

    /// <summary>
    /// One pass over the bytes: each <c>fgets</c> line is decoded into a stack buffer and parsed as a span, so a line
    /// costs its key string and its entry; the value text is shared with every other line that has the same value.
    /// </summary>
    public void Parse(PolicyFile file)
    {
        var bytes = file.Content.AsSpan();
        var lines = bytes.Count((byte)'\n') + 1;
        _exact.EnsureCapacity(_exact.Count + lines);
        _entries.Capacity = Math.Max(_entries.Capacity, _entries.Count + lines);

        // A line holds at most BufferSize - 1 bytes, and UTF-8 never decodes to more chars than bytes.
        Span<char> chars = stackalloc char[BufferSize];
        var pos = 0;
        var lineNo = 0;
        while (pos < bytes.Length)
        {
            lineNo++;
            var max = Math.Min(BufferSize - 1, bytes.Length - pos);
            var newline = bytes.Slice(pos, max).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = bytes.Slice(pos, newline);
                pos += newline + 1;
                ParseLine(file.Name, lineNo, chars[..Encoding.UTF8.GetChars(line, chars)]);
                continue;
            }

            var chunk = bytes.Slice(pos, max);
            pos += max;
            if (pos < bytes.Length)
            {
                // makemap: no newline in the buffer and not at EOF; the rest is read as the next "line".
                Error(file.Name, lineNo, $"line too long ({BufferSize} bytes max)");
                continue;
            }

            ParseLine(file.Name, lineNo, chars[..Encoding.UTF8.GetChars(chunk, chars)]);
        }

        Lines += lineNo;
    }

    private void ParseLine(string file, int lineNo, ReadOnlySpan<char> line)
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

        var key = string.Create(keyEnd, line[..keyEnd], static (dst, src) => KeyText.CopyLower(src, dst));
        if (valueStart == line.Length)
        {
            Error(file, lineNo, $"no RHS for LHS {key}");
            return;
        }

        if (ReplyText.HasControl(key))
        {
            Error(file, lineNo, $"key {ReplyText.Quote(key)} contains a control character");
            return;
        }

        var rhs = Rhs(line[valueStart..]);
        if (rhs.Problem is { } problem)
        {
            Error(file, lineNo, problem);
            return;
        }

        var entry = new AccessEntry(key, Tag(key), rhs, file, lineNo);
        var lint = _lint;
        lint.Clear();
        lint.AddRange(rhs.ValueWarnings);
        LintKey(entry, lint);
        lint.AddRange(rhs.TrailingWarnings);
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

    /// <summary>The shared parse of <paramref name="value"/> (parsed and kept on first sight).</summary>
    private AccessRhs Rhs(ReadOnlySpan<char> value)
    {
        if (_valuesBySpan.TryGetValue(value, out var shared))
        {
            return shared;
        }

        var rhs = AccessRhs.Parse(value.ToString());
        if (_values.Count < MaxSharedValues)
        {
            _values.Add(rhs.Value, rhs);
        }

        return rhs;
    }

    /// <summary>The tag including its colon, one string per distinct tag; <c>IPv6:</c> starts an untagged address key.</summary>
    private string Tag(string key)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || key.StartsWith("ipv6:", StringComparison.Ordinal))
        {
            return string.Empty;
        }

        var tag = key.AsSpan(0, colon + 1);
        if (_tagsBySpan.TryGetValue(tag, out var shared))
        {
            return shared;
        }

        var text = tag.ToString();
        _tags.Add(text);
        return text;
    }

    private static void LintKey(AccessEntry entry, List<string> lint)
    {
        var tag = entry.Tag;
        var grammar = tag is "" or "connect:" or "from:" or "to:";
        if (tag.Length == 0)
        {
            lint.Add("untagged key: deprecated, it matches Connect:, From: and To: lookups alike");
        }
        else if (tag is "clientrate:" or "clientconn:")
        {
            // Sendmail's ratecontrol/conncontrol: a count, 0 = unlimited (enforced by the flood limits).
            lint.RemoveAll(w => w.StartsWith("value ", StringComparison.Ordinal));
            if (!uint.TryParse(entry.Value.AsSpan().Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                lint.Add($"value '{entry.Value.Trim()}' of {tag} is not a count (0 = unlimited); the entry is ignored");
            }

            return;
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
        network = value & CidrTable.Mask(width, length);
        return true;
    }

    private void Error(string file, int line, string reason) =>
        _diagnostics.Add(new LoadDiagnostic(file, line, reason, IsError: true));
}
