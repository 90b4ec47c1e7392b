using Milter.Protocol.Client;

namespace Milter.Host.Bench;

/// <summary>What one <c>milter bench</c> run does.</summary>
internal sealed record LoadOptions
{
    /// <summary>The milter's socket spec (<c>inet:PORT@HOST</c>, <c>unix:PATH</c>).</summary>
    public required string Target { get; init; }

    /// <summary>Sessions in flight at once, each on its own milter connection.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Stop after this many measured sessions (null: run for <see cref="Duration"/>).</summary>
    public long? Sessions { get; init; }

    /// <summary>Measured time when <see cref="Sessions"/> is not set.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Sessions run but not measured before the measurement starts.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public int Recipients { get; init; } = 3;

    public int BodySize { get; init; } = 10240;

    public MtaFlavor Flavor { get; init; } = MtaFlavor.Sendmail;

    /// <summary>Scripted sessions with the reply expected at each stage (<see cref="TrafficScript"/>); null = the fixed session.</summary>
    public string? Traffic { get; init; }

    /// <summary>With <see cref="Traffic"/>: expect <c>continue</c> at every stage (a do-nothing milter), sending the same commands.</summary>
    public bool ExpectContinue { get; init; }

    /// <summary>How long to wait for each reply before the session counts as an error.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
