using Milter.Protocol.Commands;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;
using Milter.Protocol.Session;

namespace Milter.Protocol.Tests.Support;

/// <summary>A handler that records every call and answers what the test told it to.</summary>
public sealed class ScriptedHandler : IMilterHandler
{
    public List<string> Calls { get; } = [];

    public Dictionary<string, MilterResponse> Answers { get; } = [];

    public Action<MilterContext>? OnEndOfMessage { get; set; }

    public Func<MilterContext, Task>? OnEndOfMessageAsync { get; set; }

    public Func<string, Task>? Delay { get; set; }

    public MilterNegotiation Negotiation { get; set; } = MilterNegotiation.Default;

    public List<string> Macros { get; } = [];

    public string[] WatchMacros { get; set; } = [];

    private async ValueTask<MilterResponse> Answer(MilterContext context, string call)
    {
        Calls.Add(call);
        foreach (string m in WatchMacros)
        {
            Macros.Add($"{call.Split(' ')[0]}:{m}={context.GetMacro(m) ?? "(null)"}");
        }

        if (Delay is not null)
        {
            await Delay(call);
        }

        string key = call.Split(' ')[0];
        return Answers.TryGetValue(call, out MilterResponse exact) ? exact
            : Answers.TryGetValue(key, out MilterResponse response) ? response
            : MilterResponse.Continue;
    }

    public ValueTask<MilterResponse> ConnectAsync(MilterContext context, ConnectCommand connect, CancellationToken cancellationToken) =>
        Answer(context, $"CONNECT {connect.Hostname} {(char)connect.Family} {connect.Port} {connect.Address} ip={context.Connection?.IPAddress}");

    public ValueTask<MilterResponse> HeloAsync(MilterContext context, HeloCommand helo, CancellationToken cancellationToken) =>
        Answer(context, $"HELO {helo.Name}");

    public ValueTask<MilterResponse> MailAsync(MilterContext context, EnvelopeCommand sender, CancellationToken cancellationToken) =>
        Answer(context, $"MAIL {sender.Address} [{string.Join(",", sender.Arguments.ToArray())}]");

    public ValueTask<MilterResponse> RcptAsync(MilterContext context, EnvelopeCommand recipient, CancellationToken cancellationToken) =>
        Answer(context, $"RCPT {recipient.Address} [{string.Join(",", recipient.Arguments.ToArray())}]");

    public ValueTask<MilterResponse> DataAsync(MilterContext context, CancellationToken cancellationToken) => Answer(context, "DATA");

    public ValueTask<MilterResponse> HeaderAsync(MilterContext context, HeaderCommand header, CancellationToken cancellationToken) =>
        Answer(context, $"HEADER {header.Name}={header.Value}");

    public ValueTask<MilterResponse> EndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) => Answer(context, "EOH");

    public ValueTask<MilterResponse> BodyAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) =>
        Answer(context, $"BODY {chunk.Length}");

    public async ValueTask<MilterResponse> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken)
    {
        OnEndOfMessage?.Invoke(context);
        if (OnEndOfMessageAsync is not null)
        {
            await OnEndOfMessageAsync(context);
        }

        return await Answer(context, "EOM");
    }

    public ValueTask<MilterResponse> UnknownAsync(MilterContext context, UnknownCommand command, CancellationToken cancellationToken) =>
        Answer(context, $"UNKNOWN {command.Line}");

    public ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        Calls.Add("ABORT");
        return ValueTask.CompletedTask;
    }

    public ValueTask CloseAsync(MilterContext context, CancellationToken cancellationToken)
    {
        Calls.Add("CLOSE");
        return ValueTask.CompletedTask;
    }
}
