using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Milter.Policy;

namespace Milter.Host.Options;

/// <summary>Overridable reply texts under <c>Milter:Policy:Replies</c>; null keeps Sendmail's text.</summary>
public sealed partial class ReplySettings
{
    /// <summary>32 lines of 980 characters and their separators: more than SMTP lets a reply have (checked by <see cref="IsReply"/>).</summary>
    private const int MaxLength = 32 * 1024;

    [Length(0, MaxLength)]
    public string? AccessDenied { get; set; }

    [Length(0, MaxLength)]
    public string? RecipientRejected { get; set; }

    [Length(0, MaxLength)]
    public string? RelayDenied { get; set; }

    [Length(0, MaxLength)]
    public string? RelayDeniedAuthRequired { get; set; }

    [Length(0, MaxLength)]
    public string? TemporaryFailure { get; set; }

    public IEnumerable<(string Name, string Value)> All()
    {
        foreach ((string name, string? value) in new[]
        {
            (nameof(AccessDenied), AccessDenied), (nameof(RecipientRejected), RecipientRejected), (nameof(RelayDenied), RelayDenied),
            (nameof(RelayDeniedAuthRequired), RelayDeniedAuthRequired), (nameof(TemporaryFailure), TemporaryFailure),
        })
        {
            if (value is not null)
            {
                yield return (name, value);
            }
        }
    }

    public static bool IsReply(string value)
    {
        Match m = ReplyPattern().Match(value);
        if (!m.Success || m.Groups[1].Value[0] != m.Groups[2].Value[0])
        {
            return false;
        }

        try
        {
            // The wire's own limits (line length, number of lines) as the reply will be sent.
            string[] lines = value[(m.Groups[2].Index + m.Groups[2].Length + 1)..].Split('\n');
            Milter.Protocol.Responses.SmtpReply.Format(m.Groups[1].Value, m.Groups[2].Value, lines);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public void ApplyTo(ReplyTexts texts)
    {
        texts.AccessDenied = AccessDenied ?? texts.AccessDenied;
        texts.RecipientRejected = RecipientRejected ?? texts.RecipientRejected;
        texts.RelayDenied = RelayDenied ?? texts.RelayDenied;
        texts.RelayDeniedAuthRequired = RelayDeniedAuthRequired ?? texts.RelayDeniedAuthRequired;
        texts.TemporaryFailure = TemporaryFailure ?? texts.TemporaryFailure;
    }

    // One line, or several separated by \n (a multi-line reply: the code is repeated on each line on the wire).
    [GeneratedRegex(@"^([45]\d\d) ([245]\.\d{1,3}\.\d{1,3}) [^\r\n]+(?:\n[^\r\n]+)*\z")]
    private static partial Regex ReplyPattern();
}
