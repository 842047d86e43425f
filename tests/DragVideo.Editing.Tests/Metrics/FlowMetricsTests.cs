using DragVideo.Cli.Demo;
using DragVideo.Editing.Metrics;
using DragVideo.Tracking;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Metrics;

/// <summary>The temporal metrics with the real default flow on inputs whose motion is known.</summary>
public sealed class FlowMetricsTests
{
    public FlowMetricsTests() => TorchRuntime.EnsureLoaded();

    /// <summary>Three 128² windows of a demo frame, each shifted by (3, 4) px from the last: the content moves 5 px per frame.</summary>
    private static VideoClip ShiftingWindows()
    {
        using var source = DemoClip.Build(2);
        var frames = Enumerable.Range(0, 3)
            .Select(i => source.Frames[0][TensorIndex.Colon, TensorIndex.Slice(60 - 4 * i, 188 - 4 * i), TensorIndex.Slice(60 - 3 * i, 188 - 3 * i)])
            .ToArray();
        return new VideoClip(torch.stack(frames, 0).contiguous(), 6);
    }

    [Fact]
    public void A_known_five_pixel_shift_gives_an_eq8_value_near_five_and_a_small_warp_error()
    {
        using var clip = ShiftingWindows();
        using var still = new VideoClip(clip.Frames[0].unsqueeze(0).expand(3, -1, -1, -1).contiguous(), 6);
        var mask = BinaryMask.FromFunction(128, 128, (x, y) => x < 8 && y < 8);
        var pair = new DragPair(new(4, 4), new(4, 4));
        var instr = new PropagatedInstruction(Enumerable.Range(0, 3).Select(f => new FrameInstruction(f, new[] { pair }, mask, new[] { true }, new[] { 1f })).ToList());
        var report = new EditMetrics(new EditMetricsOptions { UseFlowForDragAccuracy = false }).Measure(still, clip, instr);
        report.TemporalMaxFlow.Should().BeInRange(4.5, 6.0, "the content moves 5 px per frame");
        report.OriginalTemporalMaxFlow.Should().BeLessThan(0.5, "a still clip has no motion");
        report.WarpError.Should().BeLessThan(0.02);
    }
}
