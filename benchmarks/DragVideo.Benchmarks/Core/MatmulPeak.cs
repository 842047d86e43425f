using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Benchmarks;

/// <summary>Measures the float32 matmul throughput of this machine: the compute floor the U-Net is compared with.</summary>
internal static class MatmulPeak
{
    /// <summary>Best-of-<paramref name="repeats"/> GFLOP/s of an n×n×n float32 matmul (2n³ FLOP).</summary>
    public static double MeasureGflops(int n = 2048, int repeats = 5)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n);
        var b = randn(n, n);
        using (var warm = a.matmul(b)) { }
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            using var c = a.matmul(b);
            sw.Stop();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * (double)n / best / 1e9;
    }
}
