namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>What a call header asks for, and whether its credential is acceptable (RFC 5531 §9, §8.2).</summary>
internal enum RpcCallStatus
{
    /// <summary>rpcvers 2, a credential we accept: dispatch on program/version/procedure.</summary>
    Ok,

    /// <summary>rpcvers other than 2: MSG_DENIED RPC_MISMATCH (2, 2).</summary>
    RpcMismatch,

    /// <summary>A flavor other than AUTH_NONE/AUTH_SYS: MSG_DENIED AUTH_ERROR AUTH_REJECTEDCRED, as glibc's svc.</summary>
    RejectedCredential,

    /// <summary>An AUTH_SYS body that does not decode: MSG_DENIED AUTH_ERROR AUTH_BADCRED.</summary>
    BadCredential,
}

/// <summary>
/// A decoded ONC RPC call header (RFC 5531 §9):
/// <c>xid, mtype=CALL(0), rpcvers, prog, vers, proc, cred{flavor, opaque&lt;400&gt;}, verf{flavor, opaque&lt;400&gt;}, args…</c>
/// </summary>
internal readonly record struct RpcCall(uint Xid, RpcCallStatus Status, uint Program, uint Version, uint Procedure, int ArgumentsOffset)
{
    public const uint AuthNone = 0;
    public const uint AuthSys = 1;

    /// <summary>RFC 5531 §8.2: the opaque body of a credential or verifier is at most 400 bytes.</summary>
    public const int MaxAuthBytes = 400;

    /// <summary>
    /// False when the datagram is not a call at all (too short for the header, or not <c>CALL</c>): like
    /// svc_udp, such a datagram gets no reply, since its xid cannot be trusted to mean anything.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out RpcCall call)
    {
        call = default;
        var reader = new XdrReader(datagram);
        if (!reader.TryReadUInt32(out uint xid) || !reader.TryReadUInt32(out uint messageType) || messageType != 0
            || !reader.TryReadUInt32(out uint rpcVersion) || !reader.TryReadUInt32(out uint program)
            || !reader.TryReadUInt32(out uint version) || !reader.TryReadUInt32(out uint procedure)
            || !reader.TryReadUInt32(out uint credFlavor) || !reader.TryReadOpaque(MaxAuthBytes, out ReadOnlySpan<byte> credBody)
            || !reader.TryReadUInt32(out _) || !reader.TryReadOpaque(MaxAuthBytes, out _))
        {
            return false;
        }

        RpcCallStatus status = rpcVersion != 2 ? RpcCallStatus.RpcMismatch
            : credFlavor == AuthNone ? RpcCallStatus.Ok
            : credFlavor != AuthSys ? RpcCallStatus.RejectedCredential
            : IsAuthSysBody(credBody) ? RpcCallStatus.Ok
            : RpcCallStatus.BadCredential;
        call = new RpcCall(xid, status, program, version, procedure, reader.Position);
        return true;
    }

    // authsys_parms (RFC 5531 appendix A): stamp, machinename<255>, uid, gid, gids<16>
    private static bool IsAuthSysBody(ReadOnlySpan<byte> body)
    {
        var reader = new XdrReader(body);
        if (!reader.TryReadUInt32(out _) || !reader.TryReadOpaque(255, out _) || !reader.TryReadUInt32(out _)
            || !reader.TryReadUInt32(out _) || !reader.TryReadUInt32(out uint groups) || groups > 16)
        {
            return false;
        }

        for (uint i = 0; i < groups; i++)
        {
            if (!reader.TryReadUInt32(out _))
            {
                return false;
            }
        }

        return reader.Remaining == 0;
    }
}
