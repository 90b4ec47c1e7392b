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
public sealed class SendmailFilterDownTests
{
    private MilterProcess? _filter;
    private SendmailRig? _rig;

    [OneTimeSetUp]
    public async Task StartFilterAndSendmail()
    {
        _filter = await MilterProcess.StartReferenceFilterAsync();
        _rig = await SendmailRig.StartAsync(_filter.Spec);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        try
        {
            if (_rig is not null)
            {
                await _rig.DisposeAsync();
            }
        }
        finally
        {
            if (_filter is not null)
            {
                await _filter.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task FilterStopped_Sendmail_Tempfails451AndQueuesNothing()
    {
        SwaksTranscript before = await _rig!.SwaksAsync("--from", "alice@example.org", "--to", "bob@example.com");
        before.AcceptedQueueId.Should().NotBeNull("with the filter up the message is accepted:\n{0}", before);

        await _filter!.StopAsync();
        _filter.HasExited.Should().BeTrue();
        SwaksTranscript after = await _rig.SwaksAsync("--from", "alice@example.org", "--to", "bob@example.com");

        after.ServerLines.Should().Contain("451 4.3.2 Please try again later", "{0}", after);
        after.ServerLines.Should().NotContain(l => l.StartsWith("250 2.0.0", StringComparison.Ordinal) || l.StartsWith("354", StringComparison.Ordinal), "{0}", after);
        _rig.QueuedIds().Should().Equal([before.AcceptedQueueId!], "nothing may be queued unfiltered");
    }
}
