using Milter.Policy.Access;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Checking;

/// <summary>
/// Reads the test-case format of <c>milter test</c> (docs/policy.md): <c>#</c> comments and blank lines ignored;
/// <c>case NAME</c> starts a case; then <c>client IP [NAME]</c>, <c>resolve OK|FAIL|FORGED|TEMP</c>,
/// <c>lease yes|no|down</c>, <c>auth MECH [USER]</c>, <c>helo NAME</c>, <c>mail ADDR</c>, <c>rcpt ADDR</c>, and
/// <c>expect OUTCOME</c> for the stage line just above it.
/// </summary>
public static class PolicyCaseParser
{
    public static PolicyCaseFile Parse(string fileName, string text)
    {
        var cases = new List<PolicyCase>();
        var errors = new List<LoadDiagnostic>();
        PolicyCase? current = null;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNo = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.IndexOfAny([' ', '\t']);
            var keyword = (space < 0 ? line : line[..space]).ToLowerInvariant();
            var argument = space < 0 ? string.Empty : line[(space + 1)..].Trim();
            void Fail(string reason) => errors.Add(new LoadDiagnostic(fileName, lineNo, reason, IsError: true));

            if (keyword == "case")
            {
                if (argument.Length == 0)
                {
                    Fail("case needs a name");
                }

                current = new PolicyCase(argument, fileName, lineNo);
                current.StepList.Add(new PolicyCaseStep(PolicyStage.Connect, string.Empty, lineNo, null));
                cases.Add(current);
                continue;
            }

            if (current is null)
            {
                Fail($"'{keyword}' before the first 'case'");
                continue;
            }

            switch (keyword)
            {
                case "client":
                    var parts = argument.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (parts.Length == 0 || !LeaseAddress.TryParse(parts[0], out _))
                    {
                        Fail($"client: '{argument}' does not start with an IP address");
                        break;
                    }

                    current.ClientAddress = parts[0];
                    current.ClientName = parts.Length > 1 ? parts[1] : null;
                    current.StepList[0] = current.StepList[0] with { Argument = argument, Line = lineNo };
                    break;
                case "resolve":
                    if (!Enum.TryParse<ClientResolve>(argument, ignoreCase: true, out var resolve) || !Enum.IsDefined(resolve))
                    {
                        Fail($"resolve: '{argument}' is not OK, FAIL, FORGED or TEMP");
                        break;
                    }

                    current.Resolve = resolve;
                    break;
                case "lease":
                    LeaseStatus? lease = argument.ToLowerInvariant() switch
                    {
                        "yes" => LeaseStatus.Leased,
                        "no" => LeaseStatus.NotLeased,
                        "down" => LeaseStatus.Unavailable,
                        _ => null,
                    };
                    if (lease is null)
                    {
                        Fail($"lease: '{argument}' is not yes, no or down");
                        break;
                    }

                    current.Lease = lease;
                    break;
                case "auth":
                    var auth = argument.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (auth.Length == 0)
                    {
                        Fail("auth needs a mechanism");
                        break;
                    }

                    current.Auth = new AuthFacts(auth[0], auth.Length > 1 ? auth[1] : null);
                    break;
                case "helo":
                    current.StepList.Add(new PolicyCaseStep(PolicyStage.Helo, argument, lineNo, null));
                    break;
                case "mail":
                    current.StepList.Add(new PolicyCaseStep(PolicyStage.Mail, argument, lineNo, null));
                    break;
                case "rcpt":
                    current.StepList.Add(new PolicyCaseStep(PolicyStage.Rcpt, argument, lineNo, null));
                    break;
                case "expect":
                    var step = current.StepList[^1];
                    if (step.Expectation is not null)
                    {
                        Fail($"second expect for the {step.Stage.ToString().ToLowerInvariant()} line {step.Line}");
                    }
                    else if (PolicyExpectation.TryParse(argument, out var expectation, out var error))
                    {
                        step.Expectation = expectation;
                    }
                    else
                    {
                        Fail(error!);
                    }

                    break;
                default:
                    Fail($"unknown keyword '{keyword}' (case, client, resolve, lease, auth, helo, mail, rcpt, expect)");
                    break;
            }
        }

        foreach (var policyCase in cases.Where(c => c.Steps.All(s => s.Expectation is null)))
        {
            errors.Add(new LoadDiagnostic(fileName, policyCase.Line, $"case '{policyCase.Name}' has no expect line", IsError: true));
        }

        return new PolicyCaseFile(cases, errors);
    }
}
