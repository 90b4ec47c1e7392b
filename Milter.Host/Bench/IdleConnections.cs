using System.Net;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;

namespace Milter.Host.Bench;

/// <summary>
/// Opens N milter connections, negotiates and sends CONNECT and HELO on each (an SMTP client that connected and
/// then went quiet), and holds them, so the milter's resident memory per idle connection can be read from outside.
/// </summary>
internal static class IdleConnections
{
    private const int OpenAtOnce = 32;

    /// <summary>Returns the exit code: 0 when every connection was opened and later closed cleanly.</summary>
    public static async Task<int> RunAsync(LoadOptions options, EndPoint target, int count, TimeSpan? hold, TextWriter output, CancellationToken cancellationToken)
    {
        var script = new SessionScript(1, 0);
        var clientOptions = new MilterClientOptions { Flavor = options.Flavor, ReadTimeout = options.ReadTimeout };
        var clients = new MilterClient?[count];
        int failures = 0;
        string? firstError = null;
        using var gate = new SemaphoreSlim(OpenAtOnce);
        var opening = new Task[count];
        for (int i = 0; i < count; i++)
        {
            int index = i;
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            opening[i] = Task.Run(
                async () =>
                {
                    try
                    {
                        clients[index] = await OpenAsync(target, clientOptions, script.ClientFor(index), script, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Interlocked.Increment(ref failures);
                        Interlocked.CompareExchange(ref firstError, $"{ex.GetType().Name}: {ex.Message}", null);
                    }
                    finally
                    {
                        gate.Release();
                    }
                },
                CancellationToken.None);
        }

        await Task.WhenAll(opening).ConfigureAwait(false);
        int open = count - failures;
        await output.WriteLineAsync($"idle: {open} connections open (negotiated, connected, helo), {failures} failed{(firstError is null ? string.Empty : "; first error: " + firstError)}").ConfigureAwait(false);
        await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await Task.Delay(hold ?? Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (MilterClient? client in clients)
        {
            if (client is not null)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }

        await output.WriteLineAsync($"idle: closed {open} connections").ConfigureAwait(false);
        return failures == 0 ? 0 : 1;
    }

    private static async Task<MilterClient> OpenAsync(EndPoint target, MilterClientOptions options, SessionScript.Client client, SessionScript script, CancellationToken cancellationToken)
    {
        MilterClient milter = await MilterClient.ConnectAsync(target, options, cancellationToken).ConfigureAwait(false);
        try
        {
            await milter.NegotiateAsync(cancellationToken).ConfigureAwait(false);
            await milter.ConnectAsync(client.Hostname, ConnectFamily.Inet, client.Port, client.Address, client.Macros, cancellationToken).ConfigureAwait(false);
            await milter.HeloAsync(SessionScript.Helo, SessionScript.HeloMacros, cancellationToken).ConfigureAwait(false);
            return milter;
        }
        catch
        {
            await milter.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
