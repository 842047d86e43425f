using System.Diagnostics;
using DragVideo.Tracking;

namespace DragVideo.Benchmarks;

/// <summary>
/// Quick-mode figures for tracking: the dense flow of one frame pair, and frames/s of point propagation, mask
/// propagation and the full instruction propagation on a 16-frame textured clip at 256² and 512² (best of two runs).
/// Signature matches <see cref="QuickSections.All"/>.
/// </summary>
internal static class TrackingSection
{
    public static void Run(QuickTable table, double peakGflops, bool sd15Width)
    {
        foreach (int size in new[] { 256, 512 })
        {
            using var clip = TrackingScene.Clip(size);
            var keys = TrackingScene.Keyframes(size);
            // Opt in to one LibTorch thread per call (the library default leaves the process setting alone).
            var oneThread = new PropagationOptions { TorchThreads = 1 };
            var points = new FlowPointPropagator(oneThread);
            var masks = new FlowMaskPropagator(oneThread);
            var all = new DragInstructionPropagator(oneThread);
            var flow = new PyramidalOpticalFlow(new OpticalFlowOptions { TorchThreads = 1 });
            // Warm-ups first: the flow's loops are managed code, which the JIT optimises after their first calls.
            double tf = Timing.BestMs(() => flow.Compute(clip.Frames[0], clip.Frames[1]).Dispose(), repeats: 3, warmups: 3) / 1000;
            var p = points.Propagate(clip, keys);
            double tp = BestSeconds(() => points.Propagate(clip, keys));
            double tm = BestSeconds(() => masks.Propagate(clip, keys, p));
            double ta = BestSeconds(() => all.Propagate(clip, new DragRequest(keys)));
            table.Add($"tracking: dense flow, one pair {size}²", tf * 1000, "ms", "one thread");
            table.Add($"tracking: points, 16 pairs, 16 frames {size}²", TrackingScene.Frames / tp, "frames/s", $"{tp * 1000:0} ms per clip");
            table.Add($"tracking: masks, 16 frames {size}²", TrackingScene.Frames / tm, "frames/s", $"{tm * 1000:0} ms per clip");
            table.Add($"tracking: points + masks, 16 frames {size}²", TrackingScene.Frames / ta, "frames/s", $"{ta * 1000:0} ms per clip");
        }
    }

    private static double BestSeconds(Action run)
    {
        double best = double.PositiveInfinity;
        for (int i = 0; i < 2; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }
}
