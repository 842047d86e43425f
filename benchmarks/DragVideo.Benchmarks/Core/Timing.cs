using System.Diagnostics;

namespace DragVideo.Benchmarks;

/// <summary>Wall-clock timing helpers for the quick mode.</summary>
internal static class Timing
{
    /// <summary>Best of <paramref name="repeats"/> runs, in milliseconds, after <paramref name="warmups"/> untimed runs.</summary>
    public static double BestMs(Action action, int repeats = 2, int warmups = 0)
    {
        for (int i = 0; i < warmups; i++) action();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        return best;
    }
}
