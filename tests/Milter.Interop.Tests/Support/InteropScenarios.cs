using Milter.Protocol;
using static Milter.Interop.Tests.Support.ScenarioSession;

namespace Milter.Interop.Tests.Support;

/// <summary>The scenario table of the client ↔ libmilter tests, with libmilter's transcripts.</summary>
internal static class InteropScenarios
{
    private const string Body = "line one\r\nREPLACE-ME\r\n";
    private const string PlainBody = "just text\r\n";
    private const string Negotiated = "OPTNEG v6 0x1FF/0x1FFFFF -> v6 actions=0x37 steps=0x400 symlists=[]";
    private const string Bcc = "EOM change '+' AddRecipient <bcc@example.net>";
    private const string Inserted = "EOM change 'i' INSHEADER #0 X-Ref-First: inserted";
    private const string Replaced = "EOM change 'b' REPLBODY \"replaced body\\r\\n\"";

    public static IReadOnlyList<InteropScenario> All { get; } =
    [
        new("negotiation-v6", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("client.example", "192.0.2.10");
                await s.QuitAsync();
            },
            [Negotiated, "CONNECT client.example [192.0.2.10] -> 'c'", "QUIT"]),

        new("negotiation-v2-offer", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("client.example", "192.0.2.10");
                await s.HeloAsync("client.example");
                await s.MessageAsync("<alice@example.org>", "old mta", Body, mailMacros: Macros("i", "V2Q"));
                await s.QuitAsync();
            },
            [
                "OPTNEG v2 0xF/0x7F -> v2 actions=0x7 steps=0x0 symlists=[]",
                "CONNECT client.example [192.0.2.10] -> 'c'",
                "HELO client.example -> 'c'",
                "MAIL <alice@example.org> -> 'c'",
                "RCPT <bob@example.com> -> 'c'",
                "DATA -> (not sent)",
                "HEADER From: alice@example.org -> 'c'",
                "HEADER Subject: old mta -> 'c'",
                "EOH -> 'c'",
                "BODY 22 bytes -> 'c'",
                Replaced,
                // no CHGHEADER: the v2 offer did not include SMFIF_CHGHDRS
                "EOM change 'h' ADDHEADER X-Ref-Milter: ok i=V2Q i=V2Q",
                Inserted,
                Bcc,
                "EOM -> 'a'",
                "QUIT",
            ],
            Configure: o =>
            {
                o.Version = 2;
                o.OfferedActions = MilterActions.Version1;
                o.OfferedFlags = MilterProtocolFlags.Version2;
            }),

        new("connect-reject", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("reject.example", "192.0.2.66");
                await s.QuitAsync();
            },
            [Negotiated, "CONNECT reject.example [192.0.2.66] -> 'r'", "QUIT"]),

        new("mail-verdicts", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("client.example", "192.0.2.10");
                await s.HeloAsync("client.example");
                await s.MailAsync("<reject@example.org>");
                await s.AbortAsync();
                await s.MailAsync("<tempfail@example.org>");
                await s.AbortAsync();
                await s.MailAsync("<alice@example.org>", null, "SIZE=100");
                await s.RcptAsync("<bob@example.com>");
                await s.AbortAsync();
                await s.QuitAsync();
            },
            [
                Negotiated,
                "CONNECT client.example [192.0.2.10] -> 'c'",
                "HELO client.example -> 'c'",
                "MAIL <reject@example.org> -> 'y' \"550 5.7.1 Sender rejected by ref milter\"",
                "ABORT",
                "MAIL <tempfail@example.org> -> 't'",
                "ABORT",
                "MAIL <alice@example.org> -> 'c'",
                "RCPT <bob@example.com> -> 'c'",
                "ABORT",
                "QUIT",
            ]),

        new("rcpt-reject-transaction-continues", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("client.example", "192.0.2.10");
                await s.HeloAsync("client.example");
                await s.MailAsync("<alice@example.org>");
                await s.RcptAsync("<badrcpt@example.com>", Macros("{rcpt_addr}", "badrcpt@example.com"));
                await s.RcptAsync("<bob@example.com>", Macros("{rcpt_addr}", "bob@example.com"));
                await s.DataAsync();
                await s.HeaderAsync("Subject", "after a rejected recipient");
                await s.EndOfHeadersAsync();
                await s.BodyAsync(PlainBody);
                await s.EndOfMessageAsync();
                await s.QuitAsync();
            },
            [
                Negotiated,
                "CONNECT client.example [192.0.2.10] -> 'c'",
                "HELO client.example -> 'c'",
                "MAIL <alice@example.org> -> 'c'",
                "RCPT <badrcpt@example.com> -> 'y' \"550 5.1.1 No such user here\"",
                "RCPT <bob@example.com> -> 'c'",
                "DATA -> 'c'",
                "HEADER Subject: after a rejected recipient -> 'c'",
                "EOH -> 'c'",
                "BODY 11 bytes -> 'c'",
                "EOM change 'm' CHGHEADER #1 Subject: [ref] after a rejected recipient",
                "EOM change 'h' ADDHEADER X-Ref-Milter: ok {rcpt_addr}=badrcpt@example.com {rcpt_addr}=bob@example.com",
                Inserted,
                Bcc,
                "EOM -> 'a'",
                "QUIT",
            ]),

        new("full-message-with-macros", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("client.example", "192.0.2.10", Macros("j", "mx.example.org", "{daemon_name}", "MTA-v4", "{client_addr}", "192.0.2.10"));
                await s.HeloAsync("client.example");
                await s.MessageAsync(
                    "<alice@example.org>", "hello", Body,
                    mailMacros: Macros("i", "QID1", "{mail_addr}", "alice@example.org", "{auth_authen}", "alice"),
                    rcptMacros: Macros("{rcpt_addr}", "bob@example.com"),
                    eomMacros: Macros("{msg_id}", "<m1@example.org>"));
                await s.QuitAsync();
            },
            [
                Negotiated,
                "CONNECT client.example [192.0.2.10] -> 'c'",
                "HELO client.example -> 'c'",
                .. Message("<alice@example.org>", "hello", "ok i=QID1 {mail_addr}=alice@example.org {auth_authen}=alice {rcpt_addr}=bob@example.com i=QID1"),
                "QUIT",
            ]),

        new("ipv6-client", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("v6.client.example", "2001:db8::25");
                await s.HeloAsync("v6.client.example");
                await s.MessageAsync("<alice@example.org>", "over v6", Body, mailMacros: Macros("i", "V6"));
                await s.QuitAsync();
            },
            [
                Negotiated,
                "CONNECT v6.client.example [2001:db8::25] -> 'c'",
                "HELO v6.client.example -> 'c'",
                .. Message("<alice@example.org>", "over v6", "ok i=V6 i=V6"),
                "QUIT",
            ]),

        new("multiline-reply-at-eom", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("client.example", "192.0.2.10");
                await s.HeloAsync("client.example");
                await s.MessageAsync("<alice@example.org>", "bounce me", Body, action: "multiline");
                await s.QuitAsync();
            },
            [
                Negotiated,
                "CONNECT client.example [192.0.2.10] -> 'c'",
                "HELO client.example -> 'c'",
                .. Head("<alice@example.org>", "bounce me", "multiline"),
                "EOM -> 'y' \"550-5.7.1 first line\\r\\n550 5.7.1 second line\"",
                "QUIT",
            ]),

        new("two-messages-one-connection", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("client.example", "192.0.2.10", Macros("j", "mx.example.org"));
                await s.HeloAsync("client.example");
                await s.MessageAsync("<alice@example.org>", "first", Body, Macros("i", "Q1", "{mail_addr}", "alice@example.org"), Macros("{rcpt_addr}", "bob@example.com"));
                await s.MessageAsync("<carol@example.org>", "second", Body, Macros("i", "Q2", "{mail_addr}", "carol@example.org"));
                await s.QuitAsync();
            },
            [
                Negotiated,
                "CONNECT client.example [192.0.2.10] -> 'c'",
                "HELO client.example -> 'c'",
                .. Message("<alice@example.org>", "first", "ok i=Q1 {mail_addr}=alice@example.org {rcpt_addr}=bob@example.com i=Q1"),
                // MAIL discards the RCPT macros of the previous message
                .. Message("<carol@example.org>", "second", "ok i=Q2 {mail_addr}=carol@example.org i=Q2"),
                "QUIT",
            ]),

        // libmilter honours QUIT_NC only after an EOM answered CONTINUE; Postfix never sends it (and its ABORT after
        // EOM would make libmilter drop the QUIT_NC), so this is a Sendmail-flavor dialogue.
        new("quit-nc-then-new-connect", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("client.example", "192.0.2.10");
                await s.HeloAsync("client.example");
                await s.MessageAsync("<alice@example.org>", "keep going", Body, Macros("i", "NC1"), action: "continue");
                await s.QuitNewConnectionAsync();
                await s.ConnectAsync("client2.example", "192.0.2.20");
                await s.HeloAsync("client2.example");
                await s.MessageAsync("<dave@example.org>", "new session", Body, Macros("i", "NC2"));
                await s.QuitAsync();
            },
            [
                Negotiated,
                "CONNECT client.example [192.0.2.10] -> 'c'",
                "HELO client.example -> 'c'",
                .. Message("<alice@example.org>", "keep going", "ok i=NC1 i=NC1", action: "continue", final: "'c'"),
                "QUIT_NC",
                "CONNECT client2.example [192.0.2.20] -> 'c'",
                "HELO client2.example -> 'c'",
                .. Message("<dave@example.org>", "new session", "ok i=NC2 i=NC2"),
                "QUIT",
            ],
            SendmailOnly: true),

        new("discard-then-quarantine", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("client.example", "192.0.2.10");
                await s.HeloAsync("client.example");
                await s.MessageAsync("<alice@example.org>", "drop me", Body, Macros("i", "D1"), action: "discard");
                await s.MessageAsync("<alice@example.org>", "hold me", Body, Macros("i", "D2"), action: "quarantine");
                await s.QuitAsync();
            },
            [
                Negotiated,
                "CONNECT client.example [192.0.2.10] -> 'c'",
                "HELO client.example -> 'c'",
                .. Head("<alice@example.org>", "drop me", "discard"),
                "EOM -> 'd'",
                .. Head("<alice@example.org>", "hold me", "quarantine"),
                "EOM change 'q' Quarantine ref-test",
                .. Changes("hold me", "ok i=D2 i=D2"),
                "EOM -> 'a'",
                "QUIT",
            ]),

        new("unknown-commands", async s =>
            {
                await s.NegotiateAsync(default);
                await s.ConnectAsync("client.example", "192.0.2.10");
                await s.UnknownAsync("XFOO bar");
                await s.HeloAsync("client.example");
                await s.MailAsync("<alice@example.org>", Macros("i", "U1"));
                await s.UnknownAsync("XBAR");
                await s.RcptAsync("<bob@example.com>");
                await s.DataAsync();
                await s.HeaderAsync("Subject", "after unknown");
                await s.EndOfHeadersAsync();
                await s.BodyAsync(PlainBody);
                await s.EndOfMessageAsync();
                await s.QuitAsync();
            },
            [
                Negotiated,
                "CONNECT client.example [192.0.2.10] -> 'c'",
                "UNKNOWN XFOO bar -> 'c'",
                "HELO client.example -> 'c'",
                "MAIL <alice@example.org> -> 'c'",
                "UNKNOWN XBAR -> 'c'",
                "RCPT <bob@example.com> -> 'c'",
                "DATA -> 'c'",
                "HEADER Subject: after unknown -> 'c'",
                "EOH -> 'c'",
                "BODY 11 bytes -> 'c'",
                "EOM change 'm' CHGHEADER #1 Subject: [ref] after unknown",
                "EOM change 'h' ADDHEADER X-Ref-Milter: ok i=U1 i=U1",
                Inserted,
                Bcc,
                "EOM -> 'a'",
                "QUIT",
            ]),
    ];

    /// <summary>Transcript of <see cref="ScenarioSession.MessageAsync"/> up to (not including) EOM.</summary>
    private static string[] Head(string sender, string subject, string? action = null, int bodyLength = 22) =>
    [
        $"MAIL {sender} -> 'c'",
        "RCPT <bob@example.com> -> 'c'",
        "DATA -> 'c'",
        $"HEADER From: {sender.Trim('<', '>')} -> 'c'",
        $"HEADER Subject: {subject} -> 'c'",
        .. action is null ? Array.Empty<string>() : [$"HEADER X-Ref-Action: {action} -> 'c'"],
        "EOH -> 'c'",
        $"BODY {bodyLength} bytes -> 'c'",
    ];

    /// <summary>The changes refmilter.c makes at EOM, in its order, for a body with the marker.</summary>
    private static string[] Changes(string subject, string macros) =>
    [
        Replaced,
        $"EOM change 'm' CHGHEADER #1 Subject: [ref] {subject}",
        $"EOM change 'h' ADDHEADER X-Ref-Milter: {macros}",
        Inserted,
        Bcc,
    ];

    private static string[] Message(string sender, string subject, string macros, string? action = null, string final = "'a'") =>
        [.. Head(sender, subject, action), .. Changes(subject, macros), $"EOM -> {final}"];
}
