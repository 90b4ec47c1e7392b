// Fixtures own external processes (filters, Sendmail) started once in OneTimeSetUp, so they keep NUnit's default
// single instance per fixture; fixtures use their own free ports and temp dirs and may run side by side.
[assembly: NUnit.Framework.Parallelizable(NUnit.Framework.ParallelScope.Fixtures)]
[assembly: NUnit.Framework.LevelOfParallelism(4)]
