using Milter.Policy.Model;

namespace Milter.Policy.Limits;

/// <summary>A limit that was exceeded (refused, or only logged in audit mode).</summary>
/// <param name="Limit">The limit's name (<c>ClientMessageRate</c>).</param>
/// <param name="Stage">Where: connect, MAIL or RCPT.</param>
/// <param name="Key">The bucket (<see cref="LimitKey.Text"/>).</param>
/// <param name="Count">Events counting this one (what the bucket would hold).</param>
/// <param name="Max">The limit's burst, or cap.</param>
/// <param name="Period">The rate's period; zero for a cap.</param>
/// <param name="Audit">Logged only: the command was not refused.</param>
/// <param name="Client">The client address (Sendmail form), empty for a local client.</param>
public readonly record struct LimitHit(string Limit, PolicyStage Stage, string Key, long Count, long Max, TimeSpan Period, bool Audit, string Client);

/// <summary>Told of every exceeded limit (the host logs and counts them; Milter.Policy does not log).</summary>
public interface ILimitObserver
{
    void Exceeded(in LimitHit hit);
}
