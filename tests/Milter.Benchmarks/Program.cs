using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Milter.Benchmarks;

// dotnet run -c Release --project tests/Milter.Benchmarks -- --filter '*'
// dotnet run -c Release --project tests/Milter.Benchmarks -- generate FILE LINES | load FILE   (bench/policy-load.sh)
if (args is ["leases-seed" or "leases-memory" or "redis-lease-latency", ..])
{
    return LeaseMemory.Run(args);
}

if (args is ["product-fixture", ..])
{
    return ProductFixture.Run(args);
}

if (args is ["generate" or "load", ..])
{
    return LoadCommand.Run(args);
}

// A short in-process job keeps the whole suite to a few minutes on two cores; allocations are exact either way.
IConfig config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(CommandDecodingBenchmarks).Assembly).Run(args, config);
return 0;
