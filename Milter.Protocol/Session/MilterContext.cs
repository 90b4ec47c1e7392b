using System.IO.Pipelines;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;

namespace Milter.Protocol.Session;

/// <summary>
/// What a handler sees of its milter connection: negotiated options, macros, the SMTP client, and at end of
/// message the changes it may ask for. A change whose action was not negotiated is refused with an
/// <see cref="InvalidOperationException"/> that names the action.
/// The context is the session itself (<see cref="MilterSession"/> derives from it, as libmilter's SMFICTX is its
/// connection): one object per connection, not two.
/// </summary>
public abstract class MilterContext
{
    private protected readonly PipeWriter _output;

    private protected MilterContext(PipeWriter output)
    {
        _output = output;
    }

    /// <summary>
    /// Identifies this milter connection in logs: the name it was given, or its number on its listener in hex (made
    /// when asked for: an idle connection keeps no string for it).
    /// </summary>
    public string ConnectionId => ConnectionName ?? ConnectionNumber.ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The name this connection was given, if any (else it goes by its number).</summary>
    private protected abstract string? ConnectionName { get; }

    /// <summary>This connection's number on its listener (the owner's, once started).</summary>
    private protected abstract long ConnectionNumber { get; }

    public NegotiatedOptions Options { get; internal set; } = NegotiatedOptions.Initial;

    private protected MacroTable _macros;
    private ConnectInfo _connection; // Hostname null: no CONNECT yet (the property's null), without Nullable's flag

    /// <summary>The macros the MTA sent, by stage (kept inside the connection, read through this reference).</summary>
    public ref readonly MacroTable Macros => ref _macros;

    /// <summary>The SMTP client, once CONNECT arrived (null with <c>SMFIP_NOCONNECT</c>).</summary>
    public ConnectInfo? Connection
    {
        get => _connection.Hostname is null ? null : _connection;
        internal set => _connection = value.GetValueOrDefault();
    }

    /// <summary>Counts messages begun on this connection (MAIL commands).</summary>
    public int MessageCount { get; internal set; }

    /// <summary>True while the end-of-message handler runs: the only time changes may be sent.</summary>
    public bool InEndOfMessage { get; internal set; }

    /// <summary>The value of a macro (<c>"i"</c> and <c>"{i}"</c> alike), or null.</summary>
    public string? GetMacro(string name) => Macros.GetValue(name);

    /// <summary>Appends a header (SMFIR_ADDHEADER; needs ADDHDRS).</summary>
    public void AddHeader(string name, string value)
    {
        Check(MilterActions.AddHeaders, nameof(AddHeader));
        ModificationWriter.AddHeader(_output, CheckName(name), HeaderValue(value));
    }

    /// <summary>Inserts a header at <paramref name="index"/>, 0 being the top (SMFIR_INSHEADER; needs ADDHDRS).</summary>
    public void InsertHeader(int index, string name, string value)
    {
        Check(MilterActions.AddHeaders, nameof(InsertHeader));
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ModificationWriter.InsertHeader(_output, (uint)index, CheckName(name), HeaderValue(value));
    }

    /// <summary>
    /// Changes the <paramref name="index"/>-th (1-based) header named <paramref name="name"/>; an index past the
    /// last one adds it (SMFIR_CHGHEADER; needs CHGHDRS).
    /// </summary>
    public void ChangeHeader(string name, int index, string value)
    {
        Check(MilterActions.ChangeHeaders, nameof(ChangeHeader));
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ModificationWriter.ChangeHeader(_output, (uint)index, CheckName(name), value.Length == 0 ? value : HeaderValue(value));
    }

    /// <summary>Deletes the <paramref name="index"/>-th (1-based) header named <paramref name="name"/> (needs CHGHDRS).</summary>
    public void DeleteHeader(string name, int index)
    {
        Check(MilterActions.ChangeHeaders, nameof(DeleteHeader));
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ModificationWriter.ChangeHeader(_output, (uint)index, CheckName(name), string.Empty);
    }

    /// <summary>Adds a recipient (SMFIR_ADDRCPT; needs ADDRCPT).</summary>
    public void AddRecipient(string recipient)
    {
        Check(MilterActions.AddRecipients, nameof(AddRecipient));
        ModificationWriter.AddRecipient(_output, CheckText(recipient, nameof(recipient)));
    }

    /// <summary>Adds a recipient with ESMTP arguments, e.g. <c>NOTIFY=NEVER</c> (SMFIR_ADDRCPT_PAR; needs ADDRCPT_PAR).</summary>
    public void AddRecipient(string recipient, string arguments)
    {
        Check(MilterActions.AddRecipientsWithArguments, nameof(AddRecipient) + " with arguments");
        ModificationWriter.AddRecipient(_output, CheckText(recipient, nameof(recipient)), CheckText(arguments, nameof(arguments)));
    }

    /// <summary>Removes a recipient, as the MTA knows it (SMFIR_DELRCPT; needs DELRCPT).</summary>
    public void DeleteRecipient(string recipient)
    {
        Check(MilterActions.DeleteRecipients, nameof(DeleteRecipient));
        ModificationWriter.DeleteRecipient(_output, CheckText(recipient, nameof(recipient)));
    }

    /// <summary>Changes the envelope sender (SMFIR_CHGFROM; needs CHGFROM).</summary>
    public void ChangeSender(string sender, string? arguments = null)
    {
        Check(MilterActions.ChangeSender, nameof(ChangeSender));
        ModificationWriter.ChangeSender(_output, CheckText(sender, nameof(sender)), arguments is null ? null : CheckText(arguments, nameof(arguments)));
    }

    /// <summary>Replaces the whole body (CRLF line ends), sent in chunks of at most 65535 bytes (SMFIR_REPLBODY; needs CHGBODY).</summary>
    public void ReplaceBody(ReadOnlySpan<byte> body)
    {
        Check(MilterActions.ChangeBody, nameof(ReplaceBody));
        ModificationWriter.ReplaceBody(_output, body);
    }

    /// <summary>Quarantines the message with a reason (SMFIR_QUARANTINE; needs QUARANTINE).</summary>
    public void Quarantine(string reason)
    {
        Check(MilterActions.Quarantine, nameof(Quarantine));
        if (string.IsNullOrEmpty(reason))
        {
            throw new ArgumentException("a quarantine reason must not be empty", nameof(reason));
        }

        ModificationWriter.Quarantine(_output, CheckText(reason, nameof(reason)));
    }

    /// <summary>Tells the MTA the filter is still working (SMFIR_PROGRESS); Sendmail accepts it only at end of message.</summary>
    public async ValueTask SendProgressAsync(CancellationToken cancellationToken)
    {
        if (!InEndOfMessage)
        {
            throw new InvalidOperationException("SendProgressAsync is allowed only at end of message (Sendmail treats PROGRESS elsewhere as an error)");
        }

        ModificationWriter.Progress(_output);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Check(MilterActions action, string operation)
    {
        if (!InEndOfMessage)
        {
            throw new InvalidOperationException($"{operation} is allowed only at end of message");
        }

        if (!Options.Has(action))
        {
            throw new InvalidOperationException(
                $"{operation} needs the {action} action, which was not negotiated " +
                $"(MTA offered 0x{(uint)Options.OfferedActions:X}, agreed 0x{(uint)Options.Actions:X}); ask for it in {nameof(MilterNegotiation)}");
        }
    }

    private static readonly System.Buffers.SearchValues<char> NotInHeaderName = System.Buffers.SearchValues.Create(":\r\n\0 \t");

    private static string CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.AsSpan().IndexOfAny(NotInHeaderName) >= 0)
        {
            throw new ArgumentException($"'{name}' is not a header name", nameof(name));
        }

        return name;
    }

    private static string CheckText(string value, string parameter)
    {
        ArgumentNullException.ThrowIfNull(value, parameter);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("a NUL cannot travel in a milter string", parameter);
        }

        return value;
    }

    // Folding travels with bare LF and never CR (Postfix doubled CRs for milters that sent CRLF). With
    // HDR_LEADSPC the milter supplies the space after the colon itself; without it the MTA adds one.
    private string HeaderValue(string value)
    {
        CheckText(value, nameof(value));
        if (value.Contains('\r', StringComparison.Ordinal))
        {
            value = value.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\r", string.Empty, StringComparison.Ordinal);
        }

        if (Options.Has(MilterProtocolFlags.HeaderLeadingSpace) && (value.Length == 0 || value[0] is not (' ' or '\t')))
        {
            value = " " + value;
        }

        return value;
    }
}
