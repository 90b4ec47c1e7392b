// Two namespaces that depend on each other, for NamespaceCycleTests: First only through a method body (a static
// call, no field or signature), Second through a signature.
namespace Milter.Host.Tests.Architecture.CycleFixture.First
{
    internal sealed class Caller
    {
        public static int Call() => Second.Callee.Answer();
    }
}

namespace Milter.Host.Tests.Architecture.CycleFixture.Second
{
    internal static class Callee
    {
        public static int Answer() => 42;

        public static First.Caller Create() => new();
    }
}
