using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Milter.Protocol.Client;

namespace Milter.Protocol.Tests.Support;

/// <summary>
/// The milter side as the packet-logging milter behind Captures/ played it, in memory: records every packet the MTA side sends, answers OPTNEG with
/// version 6, the offered actions and no protocol flags (every step, every reply), CONTINUE to every step, nothing
/// to MACRO/ABORT/QUIT. <see cref="Client"/> is a <see cref="MilterClient"/> connected to it.
/// </summary>
public sealed class RecordingMilter : IAsyncDisposable
{
    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private readonly List<CapturedPacket> _packets = [];
    private readonly Pipe _toMilter = new();
    private readonly Pipe _toMta = new();
    private readonly Task _loop;

    public RecordingMilter(MilterClientOptions options)
    {
        Client = new MilterClient(new Duplex(_toMta.Reader, _toMilter.Writer), options);
        _loop = Task.Run(RunAsync);
    }

    public MilterClient Client { get; }

    /// <summary>What the MTA side sent so far (after the client's last call returned, every packet of it is here).</summary>
    public IReadOnlyList<CapturedPacket> Packets
    {
        get
        {
            lock (_packets)
            {
                return [.. _packets];
            }
        }
    }

    /// <summary>Closes the MTA side and waits for the recorder to see the end of the stream.</summary>
    public async Task<IReadOnlyList<CapturedPacket>> FinishAsync()
    {
        await _toMilter.Writer.CompleteAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(5));
        return Packets;
    }

    public async ValueTask DisposeAsync()
    {
        await _toMilter.Writer.CompleteAsync();
        await Client.DisposeAsync();
    }

    private async Task RunAsync()
    {
        PipeReader input = _toMilter.Reader;
        while (true)
        {
            ReadResult result = await input.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            while (TryTake(ref buffer, out CapturedPacket? packet))
            {
                lock (_packets)
                {
                    _packets.Add(packet!);
                }

                await AnswerAsync(packet!);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                await input.CompleteAsync();
                await _toMta.Writer.CompleteAsync();
                return;
            }
        }
    }

    private static bool TryTake(ref ReadOnlySequence<byte> buffer, out CapturedPacket? packet)
    {
        packet = null;
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(header);
        long length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (buffer.Length < 4 + length)
        {
            return false;
        }

        byte[] frame = buffer.Slice(4, length).ToArray();
        packet = new CapturedPacket((char)frame[0], frame[1..]);
        buffer = buffer.Slice(4 + length);
        return true;
    }

    private async ValueTask AnswerAsync(CapturedPacket packet)
    {
        switch (packet.Command)
        {
            case 'D' or 'A' or 'Q' or 'K':
                return;
            case 'O':
                byte[] reply = [.. Frames.U32(6), .. packet.Data.AsSpan(4, 4), .. Frames.U32(0)];
                await _toMta.Writer.WriteAsync(Frames.Frame('O', reply));
                return;
            default:
                await _toMta.Writer.WriteAsync(Frames.Frame('c'));
                return;
        }
    }
}
