using System.Net;
using System.Text;
using Milter.Protocol;
using Milter.Protocol.Client;
using Milter.Protocol.Responses;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// <see cref="MilterClient"/> playing the MTA against one milter, writing one transcript line per command: the
/// reply, and at end of message every change in the order it arrived. Two milters that behave alike give equal
/// transcripts.
/// </summary>
internal sealed class ScenarioSession : IAsyncDisposable
{
    private readonly MilterClient _client;
    private readonly List<string> _transcript = [];

    private ScenarioSession(MilterClient client) => _client = client;

    public IReadOnlyList<string> Transcript => _transcript;

    public MilterClient Client => _client;

    public static async Task<ScenarioSession> OpenAsync(string spec, MilterClientOptions options, CancellationToken cancellationToken) =>
        new(await MilterClient.ConnectAsync(spec, options, cancellationToken));

    public static IReadOnlyList<KeyValuePair<string, string>> Macros(params string[] nameValue) =>
        Enumerable.Range(0, nameValue.Length / 2).Select(i => KeyValuePair.Create(nameValue[2 * i], nameValue[(2 * i) + 1])).ToList();

    public async Task NegotiateAsync(CancellationToken cancellationToken)
    {
        var reply = await _client.NegotiateAsync(cancellationToken);
        string lists = string.Join(",", reply.SymbolLists.Select(l => $"{(uint)l.Key}:{l.Value}"));
        _transcript.Add($"OPTNEG v{_client.Options.Version} 0x{(uint)_client.Options.OfferedActions:X}/0x{(uint)_client.Options.OfferedFlags:X} -> v{reply.Version} actions=0x{(uint)reply.Actions:X} steps=0x{(uint)reply.Flags:X} symlists=[{lists}]");
    }

    public async Task ConnectAsync(string hostname, string address, IReadOnlyList<KeyValuePair<string, string>>? macros = null) =>
        Note($"CONNECT {hostname} [{address}]", await _client.ConnectAsync(hostname, IPAddress.Parse(address), 4242, macros));

    public async Task HeloAsync(string name) => Note($"HELO {name}", await _client.HeloAsync(name));

    public async Task MailAsync(string sender, IReadOnlyList<KeyValuePair<string, string>>? macros = null, params string[] arguments) =>
        Note($"MAIL {sender}", await _client.MailAsync(sender, arguments, macros));

    public async Task RcptAsync(string recipient, IReadOnlyList<KeyValuePair<string, string>>? macros = null) =>
        Note($"RCPT {recipient}", await _client.RcptAsync(recipient, null, macros));

    public async Task DataAsync() => Note("DATA", await _client.DataAsync());

    public async Task HeaderAsync(string name, string value) => Note($"HEADER {name}: {value}", await _client.HeaderAsync(name, value));

    public async Task EndOfHeadersAsync() => Note("EOH", await _client.EndOfHeadersAsync());

    public async Task BodyAsync(string body) => Note($"BODY {body.Length} bytes", await _client.BodyAsync(Encoding.Latin1.GetBytes(body)));

    public async Task UnknownAsync(string line) => Note($"UNKNOWN {line}", await _client.UnknownAsync(line));

    public async Task EndOfMessageAsync(IReadOnlyList<KeyValuePair<string, string>>? macros = null)
    {
        EndOfMessageResult result = await _client.EndOfMessageAsync(macros);
        foreach (MessageModification change in result.Modifications)
        {
            _transcript.Add("EOM change " + Describe(change));
        }

        Note("EOM", result.Reply);
    }

    /// <summary>The usual message after MAIL: one recipient, DATA, headers, EOH, body, EOM.</summary>
    public async Task MessageAsync(string sender, string subject, string body, IReadOnlyList<KeyValuePair<string, string>>? mailMacros = null, IReadOnlyList<KeyValuePair<string, string>>? rcptMacros = null, IReadOnlyList<KeyValuePair<string, string>>? eomMacros = null, string? action = null)
    {
        await MailAsync(sender, mailMacros);
        await RcptAsync("<bob@example.com>", rcptMacros);
        await DataAsync();
        await HeaderAsync("From", sender.Trim('<', '>'));
        await HeaderAsync("Subject", subject);
        if (action is not null)
        {
            await HeaderAsync("X-Ref-Action", action);
        }

        await EndOfHeadersAsync();
        await BodyAsync(body);
        await EndOfMessageAsync(eomMacros);
    }

    public async Task AbortAsync()
    {
        await _client.AbortAsync();
        _transcript.Add("ABORT");
    }

    public async Task QuitNewConnectionAsync()
    {
        await _client.QuitNewConnectionAsync();
        _transcript.Add("QUIT_NC");
    }

    public async Task QuitAsync()
    {
        await _client.QuitAsync();
        _transcript.Add("QUIT");
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static string Describe(MessageModification change) => change.Code switch
    {
        MilterResponseCode.ReplaceBody => $"'b' REPLBODY \"{Escape(Encoding.Latin1.GetString(change.Body.Span))}\"",
        MilterResponseCode.AddHeader => $"'h' ADDHEADER {change.Name}: {Escape(change.Value)}",
        MilterResponseCode.InsertHeader => $"'i' INSHEADER #{change.Index} {change.Name}: {Escape(change.Value)}",
        MilterResponseCode.ChangeHeader => $"'m' CHGHEADER #{change.Index} {change.Name}: {Escape(change.Value)}",
        _ => $"'{(char)change.Code}' {change.Code} {Escape(change.Value)}{(change.Arguments is null ? string.Empty : " " + change.Arguments)}",
    };

    private static string Escape(string? text) => (text ?? string.Empty).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private void Note(string command, MilterReply reply) =>
        _transcript.Add(reply.Kind switch
        {
            MilterReplyKind.NotSent => $"{command} -> (not sent)",
            MilterReplyKind.NoReply => $"{command} -> (no reply)",
            _ => reply.Text is null ? $"{command} -> '{(char)reply.Code}'" : $"{command} -> '{(char)reply.Code}' \"{Escape(reply.Text)}\"",
        });
}
