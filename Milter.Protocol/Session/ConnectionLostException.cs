namespace Milter.Protocol.Session;

/// <summary>The transport failed under a reply (a reset): not the handler's fault.</summary>
internal sealed class ConnectionLostException(IOException inner) : IOException(inner.Message, inner);
