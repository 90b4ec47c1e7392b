using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Milter.Protocol.Client;
using Milter.Protocol.Session;

namespace Milter.Protocol.Tests.Support;

/// <summary>A milter session and a client joined by two in-memory pipes; no sockets.</summary>
public sealed class InMemoryConnection : IAsyncDisposable
{
    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(30));

    public InMemoryConnection(IMilterHandler handler, MilterClientOptions? clientOptions = null, MilterSessionOptions? sessionOptions = null, ILogger? logger = null)
    {
        var toMilter = new Pipe();
        var toMta = new Pipe();
        MtaSide = new Duplex(toMta.Reader, toMilter.Writer);
        Session = new MilterSession(new Duplex(toMilter.Reader, toMta.Writer), handler, sessionOptions, logger, "test");
        Client = new MilterClient(MtaSide, clientOptions ?? new MilterClientOptions { ReadTimeout = TimeSpan.FromSeconds(5) });
        SessionTask = Session.RunAsync(_cts.Token);
    }

    public IDuplexPipe MtaSide { get; }

    public MilterSession Session { get; }

    public MilterClient Client { get; }

    public Task SessionTask { get; }

    /// <summary>Negotiates, then CONNECT 192.0.2.1 and HELO.</summary>
    public async Task OpenAsync()
    {
        await Client.NegotiateAsync(default);
        await Client.ConnectAsync("client.example", System.Net.IPAddress.Parse("192.0.2.1"), 4242);
        await Client.HeloAsync("client.example");
    }

    public async ValueTask DisposeAsync()
    {
        await MtaSide.Output.CompleteAsync();
        try
        {
            await SessionTask.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
        }

        _cts.Dispose();
    }
}
