namespace Milter.Policy;

/// <summary>FEATURE(`delay_checks') and its <c>friend</c>/<c>hater</c> argument (cf/README FEATURE(delay_checks)).</summary>
public enum DelayChecksMode
{
    /// <summary>Connect: at connect, From: at MAIL.</summary>
    Off,

    /// <summary>Connect:/From: checks run at RCPT, skipped for trusted SMTP AUTH.</summary>
    On,

    /// <summary>As <see cref="On"/>, but skipped for recipients with <c>Spam:… FRIEND</c>.</summary>
    Friend,

    /// <summary>As <see cref="On"/>, but only run for recipients with <c>Spam:… HATER</c>.</summary>
    Hater,
}
