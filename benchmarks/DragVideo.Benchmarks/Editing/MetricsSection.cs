using System.Diagnostics;
using DragVideo.Editing.Fast;
using DragVideo.Editing.Metrics;
using DragVideo.Media;
using DragVideo.Tracking;

namespace DragVideo.Benchmarks;

/// <summary>
/// What <c>dragvideo eval</c> costs on a 12-frame 256² excerpt of a real clip (vtest.avi, issue 16 item 4): the
/// instruction's propagation (which <c>eval</c> redoes, as the edit's own is not stored with the video) and the metrics
/// themselves, whole and without their two optional parts (the flow candidate of drag accuracy, the original clip's
/// temporal reference), so the share of each is visible. Best of two runs each, one LibTorch thread as the CLI uses.
/// </summary>
internal static class MetricsSection
{
    private const string Clip = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";

    public static void Run(QuickTable table, double peakGflops, bool sd15Width)
    {
        if (!File.Exists(Clip))
        {
            table.Add("metrics on vtest.avi", double.NaN, "", $"{Clip} missing (apt-get install opencv-doc)");
            return;
        }
        int threads = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(1);
        try
        {
            using var clip = VideoReader.Read(Clip, new VideoReadOptions { Kps = 10, MaxFrames = 12, Width = 256, Height = 256, Square = true });
            // The cloth on the lawn (lower left of the centre crop) dragged right and up on the first and last frame.
            var pair = new DragPair(new DragPoint(60, 200), new DragPoint(90, 180));
            var mask = BinaryMask.FromFunction(clip.Width, clip.Height, (x, y) => x >= 30 && x <= 120 && y >= 150 && y <= 240);
            var request = new DragRequest(new[] { new KeyframeDrag(0, new[] { pair }, mask), new KeyframeDrag(clip.FrameCount - 1, new[] { pair }, mask) });
            using var edit = new FastWarpDragEditor().EditAsync(clip, request).GetAwaiter().GetResult();

            PropagatedInstruction? instruction = null;
            double propagate = Timing.BestMs(() => instruction = new DragInstructionPropagator().Propagate(clip, request), repeats: 2, warmups: 0);
            EditMetricsReport? report = null;
            double whole = Timing.BestMs(() => report = new EditMetrics().Measure(clip, edit.EditedClip, instruction!), repeats: 2, warmups: 1);
            double noFlow = Timing.BestMs(() => new EditMetrics(new EditMetricsOptions { UseFlowForDragAccuracy = false }).Measure(clip, edit.EditedClip, instruction!), repeats: 2, warmups: 0);
            double noOriginal = Timing.BestMs(() => new EditMetrics(new EditMetricsOptions { IncludeOriginalReference = false }).Measure(clip, edit.EditedClip, instruction!), repeats: 2, warmups: 0);
            string label = $"metrics, vtest.avi {clip.FrameCount} frames {clip.Width}×{clip.Height}";
            table.Add($"{label}: propagation (eval redoes it)", propagate, "ms");
            table.Add($"{label}: EditMetrics.Measure", whole, "ms",
                $"drag {report!.MeanDragDistance:0.000} px, Eq. 8 {report.TemporalMaxFlow:0.000} / original {report.OriginalTemporalMaxFlow:0.000}, warp error {report.WarpError:0.0000}, PSNR outside {report.PsnrOutsideMask:0.0} dB");
            table.Add($"{label}: without the flow candidate of drag accuracy", noFlow, "ms", $"{noFlow / whole:0.00}× the whole");
            table.Add($"{label}: without the original's temporal reference", noOriginal, "ms", $"{noOriginal / whole:0.00}× the whole");
        }
        finally
        {
            TorchSharp.torch.set_num_threads(threads);
        }
    }
}
