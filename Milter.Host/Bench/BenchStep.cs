namespace Milter.Host.Bench;

/// <summary>What <see cref="LoadTool"/> times: one entry per milter command of a session, plus the whole session.</summary>
internal enum BenchStep
{
    /// <summary>TCP or unix connect to the milter (a fresh connection per session, as Sendmail opens one).</summary>
    Open,
    Negotiate,
    Connect,
    Helo,
    Mail,
    Rcpt,
    Data,
    Header,
    EndOfHeaders,
    Body,
    EndOfMessage,
    /// <summary>QUIT and close: no reply is awaited.</summary>
    Quit,
    /// <summary>From the socket connect to the close, every command included.</summary>
    Session,
}

internal static class BenchSteps
{
    public const int Count = (int)BenchStep.Session + 1;

    public static string Name(BenchStep step) => step switch
    {
        BenchStep.Open => "open",
        BenchStep.Negotiate => "optneg",
        BenchStep.Connect => "connect",
        BenchStep.Helo => "helo",
        BenchStep.Mail => "mail",
        BenchStep.Rcpt => "rcpt",
        BenchStep.Data => "data",
        BenchStep.Header => "header",
        BenchStep.EndOfHeaders => "eoh",
        BenchStep.Body => "body",
        BenchStep.EndOfMessage => "eom",
        BenchStep.Quit => "quit",
        _ => "session",
    };
}
