namespace Milter.Host.Leases.Feeds.Drac;

/// <summary><c>accept_stat</c> of an accepted reply (RFC 5531 §9).</summary>
internal enum RpcAcceptStatus : uint
{
    Success = 0,
    ProgramUnavailable = 1,
    ProgramMismatch = 2,
    ProcedureUnavailable = 3,
    GarbageArguments = 4,
    SystemError = 5,
}

/// <summary>Encodes ONC RPC replies (RFC 5531 §9). Every reply fits in <see cref="MaxLength"/> bytes.</summary>
internal static class RpcReply
{
    public const int MaxLength = 32;

    private const uint Reply = 1;
    private const uint MessageAccepted = 0;
    private const uint MessageDenied = 1;
    private const uint RpcMismatch = 0;
    private const uint AuthError = 1;

    // xid, REPLY, MSG_ACCEPTED, verf{AUTH_NONE, 0}, accept_stat [, SUCCESS result | PROG_MISMATCH low high]
    public static int WriteAccepted(Span<byte> buffer, uint xid, RpcAcceptStatus status, uint? result = null, uint low = 0, uint high = 0)
    {
        var writer = new XdrWriter(buffer);
        writer.WriteUInt32(xid);
        writer.WriteUInt32(Reply);
        writer.WriteUInt32(MessageAccepted);
        writer.WriteUInt32(RpcCall.AuthNone);
        writer.WriteUInt32(0);
        writer.WriteUInt32((uint)status);
        if (status == RpcAcceptStatus.Success && result is { } value)
        {
            writer.WriteUInt32(value);
        }
        else if (status == RpcAcceptStatus.ProgramMismatch)
        {
            writer.WriteUInt32(low);
            writer.WriteUInt32(high);
        }

        return writer.Length;
    }

    // xid, REPLY, MSG_DENIED, RPC_MISMATCH low=2 high=2
    public static int WriteRpcMismatch(Span<byte> buffer, uint xid)
    {
        var writer = new XdrWriter(buffer);
        writer.WriteUInt32(xid);
        writer.WriteUInt32(Reply);
        writer.WriteUInt32(MessageDenied);
        writer.WriteUInt32(RpcMismatch);
        writer.WriteUInt32(2);
        writer.WriteUInt32(2);
        return writer.Length;
    }

    // xid, REPLY, MSG_DENIED, AUTH_ERROR auth_stat (1 AUTH_BADCRED, 2 AUTH_REJECTEDCRED)
    public static int WriteAuthError(Span<byte> buffer, uint xid, uint authStat)
    {
        var writer = new XdrWriter(buffer);
        writer.WriteUInt32(xid);
        writer.WriteUInt32(Reply);
        writer.WriteUInt32(MessageDenied);
        writer.WriteUInt32(AuthError);
        writer.WriteUInt32(authStat);
        return writer.Length;
    }
}
