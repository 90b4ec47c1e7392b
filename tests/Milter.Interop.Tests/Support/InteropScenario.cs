using Milter.Protocol;
using Milter.Protocol.Client;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// One MTA dialogue and the transcript libmilter (refmilter.c) produces for it. The same dialogue against our
/// reference filter must produce the same transcript.
/// </summary>
internal sealed record InteropScenario(
    string Name,
    Func<ScenarioSession, Task> Run,
    IReadOnlyList<string> Expected,
    bool SendmailOnly = false,
    Action<MilterClientOptions>? Configure = null)
{
    public MilterClientOptions Options(MtaFlavor flavor)
    {
        var options = new MilterClientOptions { Flavor = flavor, ReadTimeout = TimeSpan.FromSeconds(5), EndOfMessageTimeout = TimeSpan.FromSeconds(10) };
        Configure?.Invoke(options);
        return options;
    }

    public async Task<IReadOnlyList<string>> RunAgainstAsync(string spec, MtaFlavor flavor, CancellationToken cancellationToken)
    {
        await using ScenarioSession session = await ScenarioSession.OpenAsync(spec, Options(flavor), cancellationToken);
        try
        {
            await Run(session);
        }
        catch (MilterProtocolException ex)
        {
            throw new InvalidOperationException($"{Name}: {ex.Message}\ntranscript so far:\n  {string.Join("\n  ", session.Transcript)}", ex);
        }

        return session.Transcript;
    }

    public override string ToString() => Name;
}
