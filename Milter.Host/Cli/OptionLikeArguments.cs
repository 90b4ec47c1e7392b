using System.CommandLine;

namespace Milter.Host.Cli;

/// <summary>
/// System.CommandLine takes an unknown <c>--flag</c> as the value of a free argument (a FILE, an IP); this makes
/// it a usage error instead, like any other unknown option. A file that really starts with '-' is given as <c>./-x</c>.
/// </summary>
internal static class OptionLikeArguments
{
    public static Argument<T> Refused<T>(Argument<T> argument)
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.Length > 1 && token.Value[0] == '-')
                {
                    result.AddError($"Unrecognized option '{token.Value}'.");
                }
            }
        });
        return argument;
    }
}
