using DragVideo.Cli.Demo;
using DragVideo.Editing.Fast;
using DragVideo.Editing.Metrics;
using DragVideo.Editing.Tests.Metrics;

namespace DragVideo.Editing.Tests.Fast;

/// <summary>The acceptance figures on the demo clip, with perfect (hand-made) instructions.</summary>
public sealed class FastWarpAcceptanceTests
{
    public FastWarpAcceptanceTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public async Task Demo_clip_drag_lands_within_two_pixels_and_leaves_the_outside_untouched()
    {
        using var clip = DemoClip.Build();
        var editor = new FastWarpDragEditor(new DemoClipPropagator());
        using var result = await editor.EditAsync(clip, DemoClip.Request());
        var report = new EditMetrics(new ConstantFlow(0, 0), options: new EditMetricsOptions { UseFlowForDragAccuracy = false })
            .Measure(clip, result.EditedClip, result.Instruction);
        report.MeanInitialDragDistance.Should().BeApproximately(DemoClip.DragLength, 1e-6);
        report.MeanDragDistance.Should().BeLessThanOrEqualTo(2.0);
        report.PsnrOutsideMask!.Value.Should().BeGreaterThanOrEqualTo(35);
    }
}
