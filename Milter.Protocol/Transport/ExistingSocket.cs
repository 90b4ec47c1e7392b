using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Milter.Protocol.Transport;

/// <summary>A socket that exists already (a client's, or one accepted by the runtime).</summary>
internal sealed class ExistingSocket(Socket socket) : IConnectedSocket
{
    public SafeHandle Handle => socket.SafeHandle;

    public Socket Socket => socket;
}
