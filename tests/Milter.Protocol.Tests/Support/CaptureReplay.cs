using System.Text;
using Milter.Protocol.Client;
using Milter.Protocol.Commands;

namespace Milter.Protocol.Tests.Support;

/// <summary>
/// Plays the SMTP session of a real MTA's capture through <see cref="MilterClient"/>: each command of the capture
/// becomes the client call an MTA makes for it, with the capture's macro values (a macro packet without values is
/// left to the flavor's habits). ABORT packets are not replayed: the client must produce them itself.
/// </summary>
public static class CaptureReplay
{
    public static async Task RunAsync(MilterClient client, IReadOnlyList<CapturedPacket> capture)
    {
        IReadOnlyList<KeyValuePair<string, string>>? macros = null;
        foreach (CapturedPacket packet in capture)
        {
            string[] fields = Encoding.Latin1.GetString(packet.Data).Split('\0');
            switch (packet.Command)
            {
                case 'O':
                    await client.NegotiateAsync(default);
                    break;
                case 'D':
                    macros = Pairs(fields[0][1..], fields.Skip(1));
                    continue;
                case 'C':
                    ushort port = (ushort)((packet.Data[fields[0].Length + 2] << 8) | packet.Data[fields[0].Length + 3]);
                    string address = Encoding.Latin1.GetString(packet.Data[(fields[0].Length + 4)..]).TrimEnd('\0');
                    await client.ConnectAsync(fields[0], (ConnectFamily)packet.Data[fields[0].Length + 1], port, address, macros);
                    break;
                case 'H':
                    await client.HeloAsync(fields[0], macros);
                    break;
                case 'U':
                    await client.UnknownAsync(fields[0], macros);
                    break;
                case 'M':
                    await client.MailAsync(fields[0], Arguments(fields), macros);
                    break;
                case 'R':
                    await client.RcptAsync(fields[0], Arguments(fields), macros);
                    break;
                case 'T':
                    await client.DataAsync(macros);
                    break;
                case 'L':
                    await client.HeaderAsync(fields[0], fields[1], macros);
                    break;
                case 'N':
                    await client.EndOfHeadersAsync(macros);
                    break;
                case 'B':
                    if (macros is null)
                    {
                        client.Options.Macros.Remove('B');
                    }
                    else
                    {
                        client.Options.Macros['B'] = macros;
                    }

                    await client.BodyAsync(packet.Data);
                    break;
                case 'E':
                    await client.EndOfMessageAsync(macros);
                    break;
                case 'A':
                    break; // the client's own habit
                case 'Q':
                    await client.QuitAsync();
                    break;
                default:
                    throw new InvalidOperationException($"no client call for captured packet {packet}");
            }

            macros = null;
        }
    }

    private static IReadOnlyList<KeyValuePair<string, string>>? Pairs(string first, IEnumerable<string> rest)
    {
        string[] items = [first, .. rest];
        var pairs = new List<KeyValuePair<string, string>>();
        for (int i = 0; i + 1 < items.Length; i += 2)
        {
            pairs.Add(new(items[i], items[i + 1]));
        }

        return pairs.Count == 0 ? null : pairs;
    }

    private static string[] Arguments(string[] fields) => fields[1..^1];
}
