using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// Sendmail's <c>F=T</c>: when the filter is gone, mail is tempfailed, never accepted unfiltered. Own fixture,
/// because it stops the filter.
/// </summary>
[TestFixture]
[Category("Sendmail")]
public sealed class SendmailFilterDownTests : ReferenceFilterFixture<SendmailRig>
{
    protected override Task<SendmailRig> StartMtaAsync(string milterSpec) => SendmailRig.StartAsync(milterSpec);

    [Test]
    public async Task FilterStopped_Sendmail_Tempfails451AndQueuesNothing()
    {
        SwaksTranscript before = await Rig.SwaksAsync("--from", "alice@example.org", "--to", "bob@example.com");
        before.AcceptedQueueId.Should().NotBeNull("with the filter up the message is accepted:\n{0}", before);

        await Filter.StopAsync();
        Filter.HasExited.Should().BeTrue();
        SwaksTranscript after = await Rig.SwaksAsync("--from", "alice@example.org", "--to", "bob@example.com");

        after.ServerLines.Should().Contain("451 4.3.2 Please try again later", "{0}", after);
        after.ServerLines.Should().NotContain(l => l.StartsWith("250 2.0.0", StringComparison.Ordinal) || l.StartsWith("354", StringComparison.Ordinal), "{0}", after);
        Rig.QueuedIds().Should().Equal([before.AcceptedQueueId!], "nothing may be queued unfiltered");
    }
}
