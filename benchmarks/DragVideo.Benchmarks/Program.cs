using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using DragVideo;
using DragVideo.Benchmarks;

TorchRuntime.EnsureLoaded();
if (args.Length > 0 && args[0] == "--memory-row")
    return MemorySection.RunChild(args[1..]);
if (args.Contains("--quick"))
{
    // One run, one table: every figure is measured on this machine in this process, so ratios are meaningful even
    // on a noisy box (see docs/performance.md). Options: --small (narrow U-Net smoke run), --json <file>,
    // --only fast,tracking,editor,unet,unet512,fullres,toyworld,toyrecon,memory; the toyworld sections also take
    // --toy-model, --toy-scenarios, --toy-configs and --toy-table; memory takes --memory-minutes N (default 20).
    string json = args.SkipWhile(a => a != "--json").Skip(1).FirstOrDefault() ?? "benchmark-quick.json";
    ToyWorldSection.Configure(args);
    ToyReconstructionSection.Configure(args);
    string? only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
    return QuickBenchmark.Run(json, !args.Contains("--small"),
        only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase));
}

// BenchmarkDotNet's out-of-process toolchain builds a generated project that does not import this repository's
// Directory.Build.targets, so its copy of libLibTorchSharp.so misses the Debian-12 native fix. Run in process by
// default (the benchmarks' own process already loads TorchSharp); --out-of-process restores BDN's default.
var config = args.Contains("--out-of-process")
    ? DefaultConfig.Instance
    : DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
BenchmarkSwitcher.FromAssembly(typeof(QuickBenchmark).Assembly).Run(args.Where(a => a != "--out-of-process").ToArray(), config);
return 0;
