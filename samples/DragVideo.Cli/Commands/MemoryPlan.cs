using System.Globalization;
using DragVideo.Media;

namespace DragVideo.Cli.Commands;

/// <summary>
/// The memory check every video command does before decoding: the clip size comes from <c>ffprobe</c>
/// (<see cref="DecodeEstimate"/>), and the working memory of tracking and warping from a measured per-pixel figure.
/// A video that would not fit the budget (<c>--max-memory-mb</c>, default half of this machine's memory) is refused
/// with the options to change, instead of being killed by the kernel part-way.
/// </summary>
internal static class MemoryPlan
{
    /// <summary>
    /// Working memory of optical-flow propagation and warping per pixel of one frame, independent of the frame count.
    /// Measured with <c>/usr/bin/time -v dragvideo edit</c> (fast backend, 3 frames): 400×300 → 0.61 GB, 800×600 →
    /// 2.1 GB, 1600×1200 → 11.6 GB peak RSS, i.e. 4–6.6 KiB a pixel above a 0.3 GB runtime base (docs/reliability.md).
    /// </summary>
    public const long TrackingBytesPerPixel = 6 * 1024;

    /// <summary>Further working memory per pixel and frame (12 vs 3 frames at 400×300: +29 MB a frame).</summary>
    public const long TrackingBytesPerPixelFrame = 256;

    /// <summary>The default budget: half of the memory available to this process (physical memory or the container limit).</summary>
    public static long DefaultBudget => Math.Max(256L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);

    /// <summary>
    /// Probes <paramref name="videoPath"/>, and throws <see cref="MemoryBudgetExceededException"/> naming the options when
    /// decoding <paramref name="clips"/> such clips and tracking them would not fit <paramref name="budget"/>.
    /// </summary>
    public static DecodeEstimate Check(string videoPath, VideoReadOptions options, long budget, string command, int clips = 1)
    {
        var e = DecodeEstimate.For(videoPath, options);
        long pixels = (long)e.Width * e.Height;
        long decode = e.ExpectedDecodeBytes * clips;
        long work = pixels * TrackingBytesPerPixel + pixels * e.ExpectedFrames * TrackingBytesPerPixelFrame;
        long need = decode + work;
        if (need > budget)
            throw new MemoryBudgetExceededException("--max-memory-mb", need, budget, string.Create(CultureInfo.InvariantCulture,
                $"{command}: {e.ExpectedFrames} frames of {e.Width}×{e.Height} need about {MemoryBudgetExceededException.FormatBytes(need)} " +
                $"({MemoryBudgetExceededException.FormatBytes(decode)} decoded, {MemoryBudgetExceededException.FormatBytes(work)} to track and warp), " +
                $"over the memory budget of {MemoryBudgetExceededException.FormatBytes(budget)} (--max-memory-mb); " +
                $"use a smaller --size (for example --size 512) or fewer frames (--max-frames)."));
        return e;
    }

    /// <summary>Warns (one line on stderr) when fewer frames were decoded than the container promised: a truncated file.</summary>
    public static void WarnIfShort(DecodeEstimate estimate, int decoded, string path)
    {
        if (decoded < estimate.ExpectedFrames)
            Console.Error.WriteLine($"warning: '{path}' decoded to {decoded} frames but its header promises {estimate.ExpectedFrames}; the file looks truncated.");
    }
}
