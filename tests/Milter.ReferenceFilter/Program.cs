using Microsoft.Extensions.Logging;
using Milter.Protocol.Transport;
using Milter.ReferenceFilter;

// reference-filter [-q] SOCKSPEC : the conformance filter on Milter.Protocol (twin of tests/interop/refmilter.c).
bool quiet = args.Contains("-q");
string[] rest = args.Where(a => a != "-q").ToArray();
if (rest.Length != 1)
{
    Console.Error.WriteLine("usage: reference-filter [-q] SOCKSPEC   (e.g. inet:9901@127.0.0.1)");
    return 2;
}

using ILoggerFactory logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(quiet ? LogLevel.Warning : LogLevel.Information));
var options = new MilterServerOptions { Listen = rest[0] };
await using var server = new MilterServer(options, () => new ReferenceFilter(), logging);
try
{
    await server.StartAsync(CancellationToken.None);
}
catch (Exception ex) when (ex is FormatException or IOException or System.Net.Sockets.SocketException)
{
    Console.Error.WriteLine($"reference-filter: {ex.Message}");
    return 1;
}

Console.Out.WriteLine($"listening {server.DescribeEndpoint()}");
Console.Out.Flush();
var stop = new TaskCompletionSource();
using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
await stop.Task;
using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
await server.StopAsync(deadline.Token);
return 0;
