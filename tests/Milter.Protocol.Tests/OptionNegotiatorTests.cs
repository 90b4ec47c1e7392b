using FluentAssertions;
using Milter.Protocol.Commands;
using Milter.Protocol.Negotiation;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

public class OptionNegotiatorTests
{
    [TestCase(2u, 2u)]
    [TestCase(3u, 3u)]
    [TestCase(4u, 4u)]
    [TestCase(5u, 5u)]
    [TestCase(6u, 6u)]
    [TestCase(7u, 6u)]
    [TestCase(255u, 6u)]
    public void Version_IsTheLowerOfOfferedAndSix(uint offered, uint expected)
    {
        (OptionNegotiationReply reply, NegotiatedOptions options) = OptionNegotiator.Negotiate(new OptionNegotiationCommand(offered, MilterActions.All, MilterProtocolFlags.All), MilterNegotiation.Default);
        reply.Version.Should().Be(expected);
        options.Version.Should().Be(expected);
    }

    [TestCase(0u)]
    [TestCase(1u)]
    public void Version_BelowTwo_IsRefused(uint offered)
    {
        Action negotiate = () => OptionNegotiator.Negotiate(new OptionNegotiationCommand(offered, MilterActions.All, MilterProtocolFlags.All), MilterNegotiation.Default);
        negotiate.Should().Throw<MilterProtocolException>().Which.Violation.Should().Be(ProtocolViolation.NegotiationFailed);
    }

    [Test]
    public void SameNegotiation_IsOneSharedInstance_ADifferentOneIsItsOwn()
    {
        var offer = new OptionNegotiationCommand(6, MilterActions.All, MilterProtocolFlags.All);
        NegotiatedOptions first = OptionNegotiator.Negotiate(offer, MilterNegotiation.Default).Options;
        NegotiatedOptions second = OptionNegotiator.Negotiate(offer, MilterNegotiation.Default).Options;
        second.Should().BeSameAs(first, "an MTA negotiates alike on every connection: its sessions hold one instance");

        NegotiatedOptions older = OptionNegotiator.Negotiate(new OptionNegotiationCommand(2, MilterActions.All, MilterProtocolFlags.All), MilterNegotiation.Default).Options;
        older.Should().NotBeSameAs(first);
        older.Version.Should().Be(2);
        first.Version.Should().Be(6, "a shared instance is never changed by a later negotiation");
    }

    [Test]
    public void Actions_AreTheIntersectionOfWantedAndOffered()
    {
        var wanted = new MilterNegotiation { OptionalActions = MilterActions.AddHeaders | MilterActions.ChangeSender | MilterActions.Quarantine };
        (OptionNegotiationReply reply, _) = OptionNegotiator.Negotiate(new OptionNegotiationCommand(6, MilterActions.AddHeaders | MilterActions.Quarantine, MilterProtocolFlags.All), wanted);
        reply.Actions.Should().Be(MilterActions.AddHeaders | MilterActions.Quarantine);
    }

    [Test]
    public void RequiredAction_NotOffered_RefusesTheConnectionNamingIt()
    {
        var wanted = new MilterNegotiation { RequiredActions = MilterActions.ChangeSender };
        Action negotiate = () => OptionNegotiator.Negotiate(new OptionNegotiationCommand(2, MilterActions.Version2, MilterProtocolFlags.Version2), wanted);
        negotiate.Should().Throw<MilterProtocolException>().WithMessage("*ChangeSender*");
    }

    [Test]
    public void ZeroOffers_AreReadAsVersionOneMasks()
    {
        (_, NegotiatedOptions options) = OptionNegotiator.Negotiate(new OptionNegotiationCommand(2, 0, 0), MilterNegotiation.Default with { Events = MilterEvents.Connect });
        options.OfferedActions.Should().Be(MilterActions.Version1);
        options.OfferedFlags.Should().Be(MilterProtocolFlags.Version1);
        options.Actions.Should().Be(MilterActions.Version1);
        options.Flags.Should().Be(MilterProtocolFlags.NoHelo | MilterProtocolFlags.NoMail | MilterProtocolFlags.NoRcpt | MilterProtocolFlags.NoBody | MilterProtocolFlags.NoHeaders);
    }

    [Test]
    public void UnwantedEvents_AreNegotiatedAwayOnlyWhereOffered()
    {
        var wanted = new MilterNegotiation { Events = MilterEvents.Connect | MilterEvents.Mail | MilterEvents.Rcpt };
        // Postfix milter_protocol = 3: no NODATA bit offered.
        (OptionNegotiationReply reply, _) = OptionNegotiator.Negotiate(new OptionNegotiationCommand(3, MilterActions.All, (MilterProtocolFlags)0x17F), wanted);
        reply.Flags.Should().Be(MilterProtocolFlags.NoHelo | MilterProtocolFlags.NoBody | MilterProtocolFlags.NoHeaders | MilterProtocolFlags.NoEndOfHeaders | MilterProtocolFlags.NoUnknown);
    }

    [Test]
    public void NoReplyEvents_GetTheirNrBits_WhenOffered()
    {
        var wanted = new MilterNegotiation { NoReply = MilterEvents.Header | MilterEvents.Body | MilterEvents.Data };
        (OptionNegotiationReply reply, _) = OptionNegotiator.Negotiate(new OptionNegotiationCommand(6, MilterActions.All, MilterProtocolFlags.All & ~MilterProtocolFlags.NoReplyData), wanted);
        reply.Flags.Should().Be(MilterProtocolFlags.NoReplyHeader | MilterProtocolFlags.NoReplyBody);
    }

    [Test]
    public void LeadingSpaceSkipAndRejectedRecipients_AreRequestedWhenWantedAndOffered()
    {
        var wanted = new MilterNegotiation { HeaderLeadingSpace = true, Skip = true, RejectedRecipients = true };
        (OptionNegotiationReply reply, _) = OptionNegotiator.Negotiate(new OptionNegotiationCommand(6, MilterActions.All, MilterProtocolFlags.All), wanted);
        reply.Flags.Should().Be(MilterProtocolFlags.HeaderLeadingSpace | MilterProtocolFlags.Skip | MilterProtocolFlags.RcptRejected);
        (OptionNegotiationReply old, _) = OptionNegotiator.Negotiate(new OptionNegotiationCommand(2, MilterActions.All, MilterProtocolFlags.Version2), wanted);
        old.Flags.Should().Be(MilterProtocolFlags.None);
    }

    [Test]
    public void SymbolLists_AreSentWithSetSymList_AndAnEomListBringsAnEohList()
    {
        var wanted = new MilterNegotiation
        {
            SymbolLists = new Dictionary<MacroStage, string> { [MacroStage.Connect] = "{client_addr} j", [MacroStage.EndOfMessage] = "i {msg_id}" },
        };
        (OptionNegotiationReply reply, _) = OptionNegotiator.Negotiate(new OptionNegotiationCommand(6, MilterActions.All, MilterProtocolFlags.All), wanted);
        reply.Actions.Should().HaveFlag(MilterActions.SetSymbolList);
        reply.SymbolLists.Should().Equal(
            new KeyValuePair<MacroStage, string>(MacroStage.Connect, "{client_addr} j"),
            new KeyValuePair<MacroStage, string>(MacroStage.EndOfMessage, "i {msg_id}"),
            new KeyValuePair<MacroStage, string>(MacroStage.EndOfHeaders, "i {msg_id}"));
    }

    [Test]
    public void SymbolLists_AreLeftOut_WhenTheMtaDoesNotOfferSetSymList()
    {
        var wanted = new MilterNegotiation { SymbolLists = new Dictionary<MacroStage, string> { [MacroStage.Connect] = "j" } };
        (OptionNegotiationReply reply, _) = OptionNegotiator.Negotiate(new OptionNegotiationCommand(6, MilterActions.Version2, MilterProtocolFlags.All), wanted);
        reply.SymbolLists.Should().BeEmpty();
        reply.Actions.Should().NotHaveFlag(MilterActions.SetSymbolList);
    }

    [TestCase(65535, 0u, 65535)]
    [TestCase(262143, 0x10000000u, 262143)]
    [TestCase(1048575, 0x20000000u, 1048575)]
    public void MaxDataSize_RequestsTheMdsBitTheMtaOffers(int wanted, uint expectedBit, int expectedSize)
    {
        (OptionNegotiationReply reply, NegotiatedOptions options) = OptionNegotiator.Negotiate(
            new OptionNegotiationCommand(6, MilterActions.All, MilterProtocolFlags.All | MilterProtocolFlags.MaxDataSize256K | MilterProtocolFlags.MaxDataSize1M),
            new MilterNegotiation { MaxDataSize = wanted });
        ((uint)reply.Flags & 0x30000000u).Should().Be(expectedBit);
        options.MaxDataSize.Should().Be(expectedSize);
    }

    [Test]
    public void Reply_RoundTripsThroughItsEncoder()
    {
        var reply = new OptionNegotiationReply(6, MilterActions.AddHeaders | MilterActions.SetSymbolList, MilterProtocolFlags.NoHelo, [new(MacroStage.Mail, "i {auth_authen}")]);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        reply.Write(buffer);
        OptionNegotiationReply parsed = OptionNegotiationReply.Parse(buffer.WrittenMemory[5..]);
        parsed.Version.Should().Be(6);
        parsed.Actions.Should().Be(reply.Actions);
        parsed.Flags.Should().Be(reply.Flags);
        parsed.SymbolLists.Should().Equal(reply.SymbolLists);
    }
}
