using BenchmarkDotNet.Running;
using DragVideo;
using DragVideo.Benchmarks;

TorchRuntime.EnsureLoaded();
if (args.Contains("--quick"))
{
    // One run, one table: every figure is measured on this machine in this process, so ratios are meaningful even
    // on a noisy box (see docs/performance.md).
    string json = args.SkipWhile(a => a != "--json").Skip(1).FirstOrDefault() ?? "benchmark-quick.json";
    return QuickBenchmark.Run(json, !args.Contains("--small"));
}

BenchmarkSwitcher.FromAssembly(typeof(QuickBenchmark).Assembly).Run(args);
return 0;
