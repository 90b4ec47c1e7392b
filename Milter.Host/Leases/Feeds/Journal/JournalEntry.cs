using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Milter.Host.Leases.Feeds.Journal;

/// <summary>
/// One entry of <c>journalctl --output=json</c>, the fields the feed needs. The trusted ones (<c>_UID</c>,
/// <c>_COMM</c>, <c>_SYSTEMD_UNIT</c>, <c>_PID</c>) are added by journald from the sender's kernel credentials and
/// cgroup, not by the sender; the others (<c>MESSAGE</c>, <c>SYSLOG_IDENTIFIER</c>, <c>SYSLOG_PID</c>) are what the
/// sender wrote. journalctl writes a field as a string, as an array of byte values when it is not valid UTF-8 (or
/// has control characters), and as an array of such values when the entry has the field more than once: a trusted
/// field given more than once is <see cref="Ambiguous"/> and never trusted.
/// </summary>
internal sealed record JournalEntry(string? Cursor, string? Message, string? Identifier, string? SyslogPid, uint? Uid, string? Pid, string? Comm, string? Unit, bool Ambiguous)
{
    /// <summary>False when <paramref name="json"/> is not one JSON object.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out JournalEntry? entry)
    {
        entry = null;
        string? cursor = null, message = null, identifier = null, syslogPid = null, uid = null, pid = null, comm = null, unit = null;
        bool ambiguous = false;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!reader.Read())
                {
                    return false;
                }

                (string? value, bool several) = Value(ref reader);
                bool trusted = name is "_UID" or "_PID" or "_COMM" or "_SYSTEMD_UNIT";
                ambiguous |= trusted && several;
                switch (name)
                {
                    case "__CURSOR": cursor = value; break;
                    case "MESSAGE": message = value; break;
                    case "SYSLOG_IDENTIFIER": identifier = value; break;
                    case "SYSLOG_PID": syslogPid = value; break;
                    case "_UID": uid = value; break;
                    case "_PID": pid = value; break;
                    case "_COMM": comm = value; break;
                    case "_SYSTEMD_UNIT": unit = value; break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        uint? uidValue = uint.TryParse(uid, NumberStyles.None, CultureInfo.InvariantCulture, out uint u) ? u : null;
        entry = new JournalEntry(cursor, message, identifier, syslogPid, uidValue, pid, comm, unit, ambiguous);
        return true;
    }

    /// <summary>
    /// The entry as a traditional syslog line (<c>TIME journal IDENT[PID]: MESSAGE</c>), so that the login-line
    /// patterns of the log follower read it; null without a message.
    /// </summary>
    public string? AsSyslogLine() =>
        Message is null ? null : $"Jan 01 00:00:00 journal {Identifier ?? Comm ?? "-"}[{SyslogPid ?? Pid ?? "0"}]: {Message}";

    // A string; bytes (an array of numbers) as UTF-8; the last of several values (then several = true); null: null.
    private static (string? Value, bool Several) Value(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return (reader.GetString(), false);
            case JsonTokenType.Null:
                return (null, false);
            case JsonTokenType.StartArray:
                var bytes = new List<byte>();
                string? last = null;
                int values = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetByte(out byte b))
                    {
                        bytes.Add(b);
                    }
                    else if (reader.TokenType == JsonTokenType.String)
                    {
                        last = reader.GetString();
                        values++;
                    }
                    else if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        reader.Skip();
                        values++;
                    }
                    else
                    {
                        throw new JsonException("not a journal field value");
                    }
                }

                return values > 0 ? (last, values > 1 || bytes.Count > 0) : (Encoding.UTF8.GetString([.. bytes]), false);
            default:
                throw new JsonException("not a journal field value"); // journalctl writes strings, null and arrays only
        }
    }
}
