namespace Milter.Policy.Tracing;

internal static class TraceMaps
{
    public const string Access = "access";
    public const string Lease = "lease";
    public const string Check = "check";

    public static string ForClass(char name) => name switch
    {
        'R' => "class R",
        'w' => "class w",
        'm' => "class m",
        _ => "class " + name,
    };
}
