using System.Text;
using Milter.Protocol;
using Milter.Protocol.Commands;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;
using Milter.Protocol.Session;

namespace Milter.ReferenceFilter;

/// <summary>
/// The conformance filter on Milter.Protocol, with the behaviour of its C libmilter twin, tests/interop/refmilter.c,
/// so the same scripts and benchmarks run against both: CONNECT "reject.example" → REJECT; MAIL with "reject@" →
/// 550 5.7.1, "tempfail@" → TEMPFAIL; RCPT with "badrcpt@" → 550 5.1.1; X-Ref-Action multiline/quarantine/discard/
/// continue; REPLACE-ME in the body → body replaced; Subject → changed; always at EOM: X-Ref-Milter added,
/// X-Ref-First inserted at 0, bcc added, ACCEPT.
/// </summary>
public sealed class ReferenceFilter : IMilterHandler
{
    private static readonly byte[] Marker = "REPLACE-ME"u8.ToArray();
    private readonly List<string> _macros = [];
    private readonly byte[] _carry = new byte[Marker.Length - 1];
    private int _carryLength;
    private string? _action;
    private string? _subject;
    private bool _replace;

    public MilterNegotiation Negotiation { get; } = new()
    {
        OptionalActions = MilterActions.AddHeaders | MilterActions.ChangeHeaders | MilterActions.ChangeBody | MilterActions.AddRecipients | MilterActions.Quarantine,
        Skip = true,
    };

    public ValueTask<MilterResponse> ConnectAsync(MilterContext context, ConnectCommand connect, CancellationToken cancellationToken)
    {
        Note(context, "j", "{daemon_name}", "{client_addr}");
        return Answer(connect.Hostname.Equals("reject.example") ? MilterResponse.Reject : MilterResponse.Continue);
    }

    public ValueTask<MilterResponse> MailAsync(MilterContext context, EnvelopeCommand sender, CancellationToken cancellationToken)
    {
        Reset();
        Note(context, "i", "{mail_addr}", "{auth_authen}");
        ReadOnlySpan<byte> address = sender.Address.Span;
        if (address.IndexOf("reject@"u8) >= 0)
        {
            return Answer(MilterResponse.Reply("550", "5.7.1", "Sender rejected by ref milter"));
        }

        return Answer(address.IndexOf("tempfail@"u8) >= 0 ? MilterResponse.TempFail : MilterResponse.Continue);
    }

    public ValueTask<MilterResponse> RcptAsync(MilterContext context, EnvelopeCommand recipient, CancellationToken cancellationToken)
    {
        Note(context, "{rcpt_addr}");
        return Answer(recipient.Address.Span.IndexOf("badrcpt@"u8) >= 0
            ? MilterResponse.Reply("550", "5.1.1", "No such user here")
            : MilterResponse.Continue);
    }

    public ValueTask<MilterResponse> HeaderAsync(MilterContext context, HeaderCommand header, CancellationToken cancellationToken)
    {
        if (header.Name.Equals("x-ref-action", ignoreCase: true))
        {
            _action = header.Value.ToString().Trim();
        }
        else if (header.Name.Equals("subject", ignoreCase: true))
        {
            _subject = header.Value.ToString();
        }

        return Answer(MilterResponse.Continue);
    }

    public ValueTask<MilterResponse> BodyAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        if (!_replace)
        {
            // Look for the marker, also across a chunk boundary, without keeping the body.
            ReadOnlySpan<byte> span = chunk.Span;
            if (span.IndexOf(Marker) >= 0)
            {
                _replace = true;
            }
            else if (_carryLength > 0)
            {
                int take = Math.Min(span.Length, Marker.Length - 1);
                Span<byte> joint = stackalloc byte[_carryLength + take];
                _carry.AsSpan(0, _carryLength).CopyTo(joint);
                span[..take].CopyTo(joint[_carryLength..]);
                _replace = joint.IndexOf(Marker) >= 0;
            }

            int keep = Math.Min(span.Length, _carry.Length);
            span[^keep..].CopyTo(_carry);
            _carryLength = keep;
        }

        return Answer(MilterResponse.Continue);
    }

    public ValueTask<MilterResponse> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken)
    {
        Note(context, "i");
        switch (_action)
        {
            case "multiline":
                return Answer(MilterResponse.Reply("550", "5.7.1", "first line", "second line"));
            case "discard":
                return Answer(MilterResponse.Discard);
            case "quarantine" when Granted(context, MilterActions.Quarantine):
                context.Quarantine("ref-test");
                break;
        }

        // Like refmilter.c (libmilter's smfi_* fail quietly there): a change whose action the MTA did not grant
        // (an old-version offer such as miltertest's v2 0x0F) is left out, the rest still goes out.
        if (_replace && Granted(context, MilterActions.ChangeBody))
        {
            context.ReplaceBody("replaced body\r\n"u8);
        }

        if (_subject is not null && Granted(context, MilterActions.ChangeHeaders))
        {
            context.ChangeHeader("Subject", 1, "[ref] " + _subject);
        }

        if (Granted(context, MilterActions.AddHeaders))
        {
            context.AddHeader("X-Ref-Milter", "ok " + string.Join(' ', _macros));
            context.InsertHeader(0, "X-Ref-First", "inserted");
        }

        if (Granted(context, MilterActions.AddRecipients))
        {
            context.AddRecipient("<bcc@example.net>");
        }

        return Answer(_action == "continue" ? MilterResponse.Continue : MilterResponse.Accept);
    }

    public ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        Reset();
        return ValueTask.CompletedTask;
    }

    private void Reset()
    {
        _action = null;
        _subject = null;
        _replace = false;
        _carryLength = 0;
        _macros.Clear();
    }

    private void Note(MilterContext context, params string[] names)
    {
        foreach (string name in names)
        {
            if (context.Macros.TryGetValue(name, out ReadOnlySpan<byte> value))
            {
                _macros.Add(name + "=" + Encoding.Latin1.GetString(value));
            }
        }
    }

    private static bool Granted(MilterContext context, MilterActions action) => context.Options.Has(action);

    private static ValueTask<MilterResponse> Answer(MilterResponse response) => new(response);
}
