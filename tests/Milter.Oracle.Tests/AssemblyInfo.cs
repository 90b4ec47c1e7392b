// The differential fixture runs Sendmail once for every profile in its OneTimeSetUp; the fixtures may run side by side.
[assembly: NUnit.Framework.Parallelizable(NUnit.Framework.ParallelScope.Fixtures)]

// The oracle runs Sendmail in Linux namespaces.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
