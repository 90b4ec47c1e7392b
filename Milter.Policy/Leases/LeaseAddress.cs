using Milter.Policy.Model;

namespace Milter.Policy.Leases;

/// <summary>
/// Addresses typed by an operator or sent by a feed or Sendmail: every form <see cref="ClientAddress.TryParse"/>
/// takes (<c>IPv6:</c> prefix, compressed or uncompressed, v4-mapped, brackets), but IPv4 only as a full dotted quad
/// (inet_aton's <c>1.2.3</c> = 1.2.0.3 is a typo here, not an address).
/// </summary>
public static class LeaseAddress
{
    public static bool TryParse(ReadOnlySpan<char> text, out ClientAddress address)
    {
        address = ClientAddress.None;
        var trimmed = text.Trim();
        if (!trimmed.Contains(':') && !IsDottedQuad(trimmed.Trim("[]")))
        {
            return false;
        }

        return ClientAddress.TryParse(trimmed, out address);
    }

    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        var parts = 0;
        foreach (var range in text.Split('.'))
        {
            var part = text[range];
            if (part.IsEmpty || part.Length > 3 || !int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value > 255)
            {
                return false;
            }

            parts++;
        }

        return parts == 4;
    }
}
