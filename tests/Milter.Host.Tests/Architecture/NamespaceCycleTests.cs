using FluentAssertions;
using Milter.Host.Tests.Architecture.CycleFixture.First;
using NUnit.Framework;

namespace Milter.Host.Tests.Architecture;

/// <summary>
/// Dependencies between the namespaces of an assembly point one way: a folder can be read (and changed) knowing only
/// the folders it uses, never the ones that use it.
/// </summary>
public class NamespaceCycleTests
{
    [TestCase(typeof(Milter.Host.Options.MilterSettings), "Milter.Host")]
    [TestCase(typeof(Milter.Policy.PolicyEngine), "Milter.Policy")]
    public void Assembly_HasNoNamespaceCycle(Type typeInAssembly, string root)
    {
        NamespaceGraph graph = NamespaceGraph.Of(typeInAssembly.Assembly, root);

        graph.Edges.Should().NotBeEmpty("the graph sees the references between the namespaces");
        graph.Cycles().Should().BeEmpty("each cycle is listed with the edges and one type pair per edge that close it");
    }

    [Test]
    public void Graph_FindsACycleThroughAMethodBody()
    {
        NamespaceGraph graph = NamespaceGraph.Of(typeof(NamespaceCycleTests).Assembly, "Milter.Host.Tests.Architecture.CycleFixture");

        graph.Cycles().Should().ContainSingle().Which.Should()
            .StartWith("Milter.Host.Tests.Architecture.CycleFixture.First <-> Milter.Host.Tests.Architecture.CycleFixture.Second")
            .And.Contain("CycleFixture.First -> Milter.Host.Tests.Architecture.CycleFixture.Second (Caller -> Callee)")
            .And.Contain("CycleFixture.Second -> Milter.Host.Tests.Architecture.CycleFixture.First (Callee -> Caller)");
        _ = Caller.Call();
    }
}
