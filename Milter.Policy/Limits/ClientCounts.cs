namespace Milter.Policy.Limits;

/// <summary>
/// Sendmail's <c>{client_rate}</c> (connections of this client in the rate window, this one included) and
/// <c>{client_connections}</c> (its open connections, this one included), counted by <see cref="LimitGate.Register"/>
/// at connect, with the limits that say how ratecontrol and conncontrol answer.
/// </summary>
public sealed record ClientCounts(int Rate, int Connections, FloodLimits Limits);
