using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>Run-wide teardown: the temp directory (compiled refmilter, Sendmail rigs) goes away.</summary>
[SetUpFixture]
public sealed class InteropRun
{
    [OneTimeTearDown]
    public void DeleteTempFiles() => TempDirectories.Cleanup();
}
