using BenchmarkDotNet.Attributes;
using static TorchSharp.torch;

namespace DragVideo.Benchmarks;

/// <summary>Float32 matmul at the sizes the U-Net's attention and linear layers use (BenchmarkDotNet).</summary>
[MemoryDiagnoser]
public class MatmulBenchmarks
{
    private Tensor _a = null!;
    private Tensor _b = null!;

    /// <summary>Square matrix size.</summary>
    [Params(512, 2048)]
    public int N { get; set; }

    /// <summary>Allocates the operands.</summary>
    [GlobalSetup]
    public void Setup()
    {
        DragVideo.TorchRuntime.EnsureLoaded();
        _a = randn(N, N);
        _b = randn(N, N);
    }

    /// <summary>One n×n×n matmul.</summary>
    [Benchmark]
    public void Matmul()
    {
        using var c = _a.matmul(_b);
    }

    /// <summary>Frees the operands.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
    }
}
