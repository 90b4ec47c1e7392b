using System.Text.RegularExpressions;
using Milter.Policy;

namespace Milter.Host.Options;

/// <summary>Overridable reply texts under <c>Milter:Policy:Replies</c>; null keeps Sendmail's text.</summary>
public sealed partial class ReplySettings
{
    public string? AccessDenied { get; set; }

    public string? RecipientRejected { get; set; }

    public string? RelayDenied { get; set; }

    public string? RelayDeniedAuthRequired { get; set; }

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
        return m.Success && m.Groups[1].Value[0] == m.Groups[2].Value[0];
    }

    public void ApplyTo(ReplyTexts texts)
    {
        texts.AccessDenied = AccessDenied ?? texts.AccessDenied;
        texts.RecipientRejected = RecipientRejected ?? texts.RecipientRejected;
        texts.RelayDenied = RelayDenied ?? texts.RelayDenied;
        texts.RelayDeniedAuthRequired = RelayDeniedAuthRequired ?? texts.RelayDeniedAuthRequired;
        texts.TemporaryFailure = TemporaryFailure ?? texts.TemporaryFailure;
    }

    [GeneratedRegex(@"^([45]\d\d) ([245]\.\d{1,3}\.\d{1,3}) [^\r\n]+$")]
    private static partial Regex ReplyPattern();
}
