using Milter.Policy.Model;

namespace Milter.Policy.Access;

/// <summary>A member of class R (relay-domains) or class w (local-host-names).</summary>
public sealed class ClassEntry : PolicyRule
{
    internal ClassEntry(string name, char className, string file, int line)
        : base(file, line)
    {
        Name = name;
        ClassName = className;
    }

    public string Name { get; }

    /// <summary><c>R</c> or <c>w</c> (or <c>m</c> for the local domains option).</summary>
    public char ClassName { get; }

    public override string ToString() => string.Concat(Location, " class ", ClassName.ToString(), " ", Name);
}
