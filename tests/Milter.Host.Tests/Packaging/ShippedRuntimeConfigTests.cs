using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests.Packaging;

/// <summary>
/// milter.runtimeconfig.json, built from Milter.Host.csproj and shipped beside milter.dll: the runtime settings the
/// benchmark figures in bench/README.md were measured with. Losing one silently changes CPU per session and latency.
/// </summary>
public class ShippedRuntimeConfigTests
{
    private static JsonElement ConfigProperties()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "milter.runtimeconfig.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Test]
    public void ThreadPoolWorkers_DoNotSpinBeforeWaiting()
    {
        ConfigProperties().GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32().Should().Be(0);
    }

    [TestCase("System.Runtime.TieredCompilation")]
    [TestCase("System.Runtime.TieredPGO")]
    [TestCase("System.GC.Server")]
    [TestCase("System.GC.Concurrent")]
    public void RuntimeFeature_IsOff(string name)
    {
        ConfigProperties().GetProperty(name).GetBoolean().Should().BeFalse();
    }
}
