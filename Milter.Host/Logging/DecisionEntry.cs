using System.Collections;
using System.Globalization;
using System.Text;

namespace Milter.Host.Logging;

/// <summary>
/// One decision line (event 3000, category <c>Milter.Decisions</c>):
/// <c>decision qid=Q client=ADDR stage=STAGE [from=&lt;S&gt;] [rcpt=&lt;R&gt;] [rcpts=N] verdict="REPLY" rule=FILE:LINE</c>.
/// The state of an <see cref="Microsoft.Extensions.Logging.ILogger.Log{TState}"/> call: <see cref="MilterLogger"/> writes it
/// as UTF-8 straight into the output buffer (<see cref="Write"/>, no string built); any other logger gets the text from
/// <see cref="Formatter"/> and the fields as key/value pairs. Every field holds a string the session already has.
/// </summary>
internal readonly struct DecisionEntry(string stage, string? queueId, string? client, string? sender, string? recipient, int recipients, string verdict, string rule)
    : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const int EventId = 3000;
    public const string Category = "Milter.Decisions";
    private const string Template = "decision qid={QueueId} client={Client} stage={Stage} from={Sender} rcpt={Recipient} rcpts={Recipients} verdict=\"{Verdict}\" rule={Rule}";

    public static readonly Func<DecisionEntry, Exception?, string> Formatter = static (entry, _) => entry.ToString();

    /// <summary><c>Connect</c>, <c>Helo</c>, <c>Mail</c>, <c>Rcpt</c>, or <c>Message</c> for the summary of an accepted message.</summary>
    public string Stage { get; } = stage;

    /// <summary>The <c>i</c> macro; <c>-</c> when the MTA has not assigned one yet.</summary>
    public string? QueueId { get; } = queueId;

    public string? Client { get; } = client;

    public string? Sender { get; } = sender;

    public string? Recipient { get; } = recipient;

    /// <summary>Accepted recipients of the message (summary lines); 0 = not shown.</summary>
    public int Recipients { get; } = recipients;

    /// <summary>The SMTP reply, or <c>continue</c>, <c>accept</c>, <c>discard</c>, <c>quarantine: reason</c>.</summary>
    public string Verdict { get; } = verdict;

    /// <summary>The deciding <c>file:line</c>, or the built-in reason.</summary>
    public string Rule { get; } = rule;

    public int Count => 9;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("QueueId", QueueId ?? "-"),
        1 => new("Client", Client ?? "-"),
        2 => new("Stage", Stage),
        3 => new("Sender", Sender),
        4 => new("Recipient", Recipient),
        5 => new("Recipients", Recipients),
        6 => new("Verdict", Verdict),
        7 => new("Rule", Rule),
        8 => new("{OriginalFormat}", Template),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>Upper bound of the bytes <see cref="Write"/> produces.</summary>
    public int MaxBytes => 96 + Utf8LineWriter.MaxBytes(QueueId) + Utf8LineWriter.MaxBytes(Client) + Stage.Length + Utf8LineWriter.MaxBytes(Sender)
        + Utf8LineWriter.MaxBytes(Recipient) + Utf8LineWriter.MaxBytes(Verdict) + Utf8LineWriter.MaxBytes(Rule);

    public void Write(ref Utf8LineWriter line)
    {
        line.Append("decision qid="u8);
        line.AppendText(QueueId ?? "-");
        line.Append(" client="u8);
        line.AppendText(Client ?? "-");
        line.Append(" stage="u8);
        line.AppendText(Stage);
        if (Sender is not null)
        {
            line.Append(" from="u8);
            line.AppendText(Sender);
        }

        if (Recipient is not null)
        {
            line.Append(" rcpt="u8);
            line.AppendText(Recipient);
        }

        if (Recipients > 0)
        {
            line.Append(" rcpts="u8);
            line.Append(Recipients);
        }

        line.Append(" verdict=\""u8);
        line.AppendText(Verdict);
        line.Append("\" rule="u8);
        line.AppendText(Rule);
    }

    public override string ToString()
    {
        var text = new StringBuilder(128);
        text.Append("decision qid=").Append(QueueId ?? "-").Append(" client=").Append(Client ?? "-").Append(" stage=").Append(Stage);
        if (Sender is not null)
        {
            text.Append(" from=").Append(Sender);
        }

        if (Recipient is not null)
        {
            text.Append(" rcpt=").Append(Recipient);
        }

        if (Recipients > 0)
        {
            text.Append(" rcpts=").Append(Recipients.ToString(CultureInfo.InvariantCulture));
        }

        return text.Append(" verdict=\"").Append(Verdict).Append("\" rule=").Append(Rule).ToString();
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
