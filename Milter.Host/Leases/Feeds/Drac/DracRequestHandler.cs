using System.Net;
using Microsoft.Extensions.Logging;
using Milter.Policy.Leases;

namespace Milter.Host.Leases.Feeds.Drac;

/// <summary>
/// One datagram of rpc.dracd's program (DRAC 1.12 drac.x: program 900101, versions 1 and 2) in, one reply out, as rpc.dracd and its rpcgen stub
/// answer: <c>DRACPROC_ADD</c> (procedure 1) of version 1 (<c>unsigned long ip_addr</c>: the four address bytes in
/// order) and version 2 (<c>char ip_addr6[16]</c>: sixteen XDR ints, one byte each); result <c>addstat</c>
/// (<c>ADD_SUCCESS</c> 0, <c>ADD_PERM</c> 1 for a caller outside the allow file, <c>ADD_SYSERR</c> 2 when the store
/// fails). The NULL procedure answers empty; anything else gets the RPC error svc would send; a datagram that is no
/// call at all gets no reply. An add is refused (<c>ADD_PERM</c>) from an unprivileged source port (unless
/// <see cref="DracSettings.RequirePrivilegedPort"/> is off) and from a caller outside the allow file, and refused
/// (<c>ADD_SYSERR</c>) when the caller has used up its <see cref="DracSettings.NewLeasesPerMinute"/>. Every refusal
/// goes to the <see cref="RefusalLog"/> (bounded rate); nothing is added.
/// </summary>
internal sealed partial class DracRequestHandler
{
    private readonly ILeaseTable _table;
    private readonly Func<DracAllowList> _allowList;
    private readonly TimeSpan? _ttl;
    private readonly bool _privilegedOnly;
    private readonly CallerRateLimit _newLeases;
    private readonly RefusalLog _refusals;
    private readonly ILogger _logger;

    public DracRequestHandler(ILeaseTable table, Func<DracAllowList> allowList, DracSettings settings, RefusalLog refusals, ILogger logger, TimeProvider? time = null)
    {
        _table = table;
        _allowList = allowList;
        _ttl = settings.TtlValue;
        _privilegedOnly = settings.RequirePrivilegedPort;
        _newLeases = new CallerRateLimit(settings.NewLeasesPerMinute, time ?? TimeProvider.System);
        _refusals = refusals;
        _logger = logger;
    }

    /// <summary>The lowest source port a local user can bind (ports below it need root or CAP_NET_BIND_SERVICE).</summary>
    public const int FirstUnprivilegedPort = 1024;

    public const uint Program = 900101;
    public const uint VersionIPv4 = 1;
    public const uint VersionIPv6 = 2;
    public const uint ProcedureAdd = 1;
    public const uint AddSuccess = 0;
    public const uint AddPerm = 1;
    public const uint AddSysErr = 2;

    /// <summary>The lease source DRAC leases carry.</summary>
    public const string Source = "drac";

    /// <summary>Handles one datagram; returns the length of the reply written to <paramref name="reply"/> (0 = no reply).</summary>
    public async ValueTask<int> HandleAsync(ReadOnlyMemory<byte> datagram, IPEndPoint caller, Memory<byte> reply, CancellationToken cancellationToken)
    {
        if (!RpcCall.TryRead(datagram.Span, out RpcCall call))
        {
            int length = datagram.Length;
            _refusals.Refused(l => Log.NotACall(l, caller, length));
            return 0;
        }

        switch (call.Status)
        {
            case RpcCallStatus.RpcMismatch:
                Refused(caller, call.Xid, "RPC version is not 2", "MSG_DENIED RPC_MISMATCH");
                return RpcReply.WriteRpcMismatch(reply.Span, call.Xid);
            case RpcCallStatus.RejectedCredential:
                Refused(caller, call.Xid, "credential flavor is not AUTH_NONE or AUTH_SYS", "MSG_DENIED AUTH_REJECTEDCRED");
                return RpcReply.WriteAuthError(reply.Span, call.Xid, 2);
            case RpcCallStatus.BadCredential:
                Refused(caller, call.Xid, "malformed AUTH_SYS credential", "MSG_DENIED AUTH_BADCRED");
                return RpcReply.WriteAuthError(reply.Span, call.Xid, 1);
        }

        if (call.Program != Program)
        {
            Refused(caller, call.Xid, $"program {call.Program}", "PROG_UNAVAIL");
            return RpcReply.WriteAccepted(reply.Span, call.Xid, RpcAcceptStatus.ProgramUnavailable);
        }

        if (call.Version is not (VersionIPv4 or VersionIPv6))
        {
            Refused(caller, call.Xid, $"version {call.Version}", "PROG_MISMATCH 1..2");
            return RpcReply.WriteAccepted(reply.Span, call.Xid, RpcAcceptStatus.ProgramMismatch, low: VersionIPv4, high: VersionIPv6);
        }

        if (call.Procedure == 0)
        {
            return RpcReply.WriteAccepted(reply.Span, call.Xid, RpcAcceptStatus.Success); // NULLPROC: ping, void result
        }

        if (call.Procedure != ProcedureAdd)
        {
            Refused(caller, call.Xid, $"procedure {call.Procedure}", "PROC_UNAVAIL");
            return RpcReply.WriteAccepted(reply.Span, call.Xid, RpcAcceptStatus.ProcedureUnavailable);
        }

        if (!TryReadAddress(datagram.Span[call.ArgumentsOffset..], call.Version, out IPAddress? client))
        {
            Refused(caller, call.Xid, $"arguments of DRACPROC_ADD version {call.Version} do not decode", "GARBAGE_ARGS");
            return RpcReply.WriteAccepted(reply.Span, call.Xid, RpcAcceptStatus.GarbageArguments);
        }

        if (_privilegedOnly && caller.Port >= FirstUnprivilegedPort)
        {
            _refusals.Refused(l => Log.UnprivilegedPort(l, caller, client));
            return RpcReply.WriteAccepted(reply.Span, call.Xid, RpcAcceptStatus.Success, AddPerm);
        }

        if (!_allowList().IsAllowed(caller.Address))
        {
            _refusals.Refused(l => Log.NotAllowed(l, caller, client));
            return RpcReply.WriteAccepted(reply.Span, call.Xid, RpcAcceptStatus.Success, AddPerm);
        }

        uint result;
        try
        {
            // A refresh is free; a new address takes one of the caller's tokens (a flood cannot evict other leases).
            if (_newLeases.PerMinute > 0 && await _table.CheckAsync(client, cancellationToken).ConfigureAwait(false) != LeaseStatus.Leased && !_newLeases.TryTake(caller.Address))
            {
                int perMinute = _newLeases.PerMinute;
                _refusals.Refused(l => Log.RateLimited(l, caller, perMinute, client));
                return RpcReply.WriteAccepted(reply.Span, call.Xid, RpcAcceptStatus.Success, AddSysErr);
            }

            Lease lease = await _table.AddAsync(client, Source, null, _ttl, cancellationToken).ConfigureAwait(false);
            Log.DracAdded(_logger, lease.Client, caller, lease.Expires);
            result = AddSuccess;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.DracAddFailed(_logger, client, caller, ex.Message);
            result = AddSysErr;
        }

        return RpcReply.WriteAccepted(reply.Span, call.Xid, RpcAcceptStatus.Success, result);
    }

    private void Refused(IPEndPoint caller, uint xid, string reason, string reply) =>
        _refusals.Refused(l => Log.DracRefused(l, caller, xid, reason, reply));

    // v1: unsigned long (4 bytes, a.b.c.d in order); v2: char[16] as 16 XDR ints (xdr_char keeps the low byte)
    private static bool TryReadAddress(ReadOnlySpan<byte> arguments, uint version, out IPAddress client)
    {
        client = IPAddress.None;
        var reader = new XdrReader(arguments);
        if (version == VersionIPv4)
        {
            if (!reader.TryReadUInt32(out uint value))
            {
                return false;
            }

            client = new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
            return true;
        }

        Span<byte> bytes = stackalloc byte[16];
        for (int i = 0; i < 16; i++)
        {
            if (!reader.TryReadUInt32(out uint value))
            {
                return false;
            }

            bytes[i] = (byte)value;
        }

        client = new IPAddress(bytes);
        return true;
    }
}
