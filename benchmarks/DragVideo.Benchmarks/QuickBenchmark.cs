using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DragVideo.Benchmarks;

/// <summary>
/// The <c>--quick</c> mode: measures every figure of docs/performance.md once, in one process, and prints ratios
/// against each other and against this machine's matmul peak.
/// </summary>
internal static class QuickBenchmark
{
    public static int Run(string jsonPath, bool sd15Width, IReadOnlySet<string>? only = null)
    {
        var table = new QuickTable();
        var machine = new Dictionary<string, string>
        {
            ["cpu_count"] = Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["os"] = RuntimeInformation.OSDescription,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["torch_threads"] = TorchSharp.torch.get_num_threads().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        Console.WriteLine("DragVideo quick benchmark (float32, CPU)");
        double peak = MatmulPeak.MeasureGflops();
        table.Add("matmul 2048^3 float32 peak", peak, "GFLOP/s", "best of 5");
        foreach (var (name, section) in QuickSections.All)
        {
            if (only is not null ? !only.Contains(name) : QuickSections.OnRequest.Contains(name)) continue;
            var sw = Stopwatch.StartNew();
            section(table, peak, sd15Width);
            Console.WriteLine($"  ({sw.Elapsed.TotalSeconds:0.0} s)");
        }
        table.WriteJson(jsonPath, machine);
        Console.WriteLine($"wrote {Path.GetFullPath(jsonPath)}");
        return 0;
    }
}
