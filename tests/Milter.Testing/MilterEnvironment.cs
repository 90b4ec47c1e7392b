namespace Milter.Testing;

/// <summary>Environment settings that the test harnesses give every <c>milter</c> child they start.</summary>
public static class MilterEnvironment
{
    /// <summary>
    /// Turns the sender domain check off (true) so that no test depends on this machine's DNS; the DNS tests set it
    /// back to false and point <c>Milter:Dns:Servers</c> at their own server.
    /// </summary>
    public const string NoDnsCheck = "Milter__Policy__AcceptUnresolvableDomains";
}
