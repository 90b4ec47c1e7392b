using NUnit.Framework;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// A real MTA (a <see cref="SendmailRig"/> or a <see cref="PostfixRig"/>) in front of our reference filter
/// (tests/Milter.ReferenceFilter), both started once for the fixture and stopped after its last test, the MTA first.
/// </summary>
/// <typeparam name="TRig">The MTA's rig.</typeparam>
public abstract class ReferenceFilterFixture<TRig> : OwningFixture
    where TRig : class, IAsyncDisposable
{
    private MilterProcess? _filter;
    private TRig? _rig;

    /// <summary>The reference filter the MTA asks.</summary>
    protected MilterProcess Filter => _filter ?? throw new InvalidOperationException("the fixture's set-up did not start the filter");

    /// <summary>The MTA.</summary>
    protected TRig Rig => _rig ?? throw new InvalidOperationException("the fixture's set-up did not start the MTA");

    [OneTimeSetUp]
    public async Task StartFilterAndMta()
    {
        RequireMta();
        _filter = Owned.Add(await MilterProcess.StartReferenceFilterAsync());
        _rig = Owned.Add(await StartMtaAsync(_filter.Spec));
    }

    /// <summary>Fails (or skips) before anything starts when this machine cannot run the MTA; the rig checks again.</summary>
    protected virtual void RequireMta()
    {
    }

    /// <summary>Starts the MTA with <paramref name="milterSpec"/> (Sendmail syntax) as its one milter.</summary>
    protected abstract Task<TRig> StartMtaAsync(string milterSpec);
}
