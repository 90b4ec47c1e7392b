using System.Text;

namespace Milter.Policy.Access;

/// <summary>A policy source: a name for diagnostics (<c>file:line</c>) and its bytes.</summary>
public sealed class PolicyFile
{
    public PolicyFile(string name, byte[] content)
    {
        Name = name;
        Content = content;
    }

    public string Name { get; }

    public byte[] Content { get; }

    public static PolicyFile FromPath(string path) => new(path, File.ReadAllBytes(path));

    public static PolicyFile FromText(string name, string text) => new(name, Encoding.UTF8.GetBytes(text));
}
