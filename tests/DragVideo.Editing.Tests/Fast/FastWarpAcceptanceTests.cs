using DragVideo.Cli.Demo;
using DragVideo.Editing.Fast;
using DragVideo.Editing.Metrics;

namespace DragVideo.Editing.Tests.Fast;

/// <summary>The acceptance figures on the demo clip, with perfect (hand-made) instructions.</summary>
public sealed class FastWarpAcceptanceTests
{
    public FastWarpAcceptanceTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public async Task Demo_clip_drag_lands_within_two_pixels_keeps_the_outside_and_the_motion()
    {
        using var clip = DemoClip.Build();
        var editor = new FastWarpDragEditor(new DemoClipPropagator());
        using var result = await editor.EditAsync(clip, DemoClip.Request());
        var report = new EditMetrics().Measure(clip, result.EditedClip, result.Instruction);
        report.MeanInitialDragDistance.Should().BeApproximately(DemoClip.DragLength, 1e-6);
        report.MeanDragDistance.Should().BeLessThanOrEqualTo(2.0);
        report.PsnrOutsideMask!.Value.Should().BeGreaterThanOrEqualTo(35);
        report.TemporalMaxFlowRatio!.Value.Should().BeInRange(0.9, 1.1, "the edit follows the content, so it moves as the original does");
    }
}

/// <summary>The acceptance figures on a real clip (vtest.avi), with a static-scene propagator.</summary>
public sealed class FastWarpRealClipTests
{
    public FastWarpRealClipTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public async Task Real_clip_drag_lands_within_two_pixels_keeps_the_outside_and_the_motion()
    {
        using var clip = RealClip.Load();
        var editor = new FastWarpDragEditor(new StaticPropagator());
        using var result = await editor.EditAsync(clip, RealClip.ClothRequest());
        var report = new EditMetrics().Measure(clip, result.EditedClip, result.Instruction);
        report.MeanInitialDragDistance.Should().BeInRange(20, 40);
        report.MeanDragDistance.Should().BeLessThanOrEqualTo(2.0);
        report.PsnrOutsideMask!.Value.Should().BeGreaterThanOrEqualTo(35);
        report.TemporalMaxFlowRatio!.Value.Should().BeInRange(0.9, 1.1, "the edit follows the content, so it moves as the original does");
    }
}

/// <summary>The acceptance figures with the default propagator (DragVideo.Tracking), i.e. exactly what `dragvideo demo` runs.</summary>
public sealed class FastWarpDefaultPropagatorTests
{
    public FastWarpDefaultPropagatorTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Demo_clip_with_the_default_propagator_meets_the_acceptance_figures()
    {
        using var clip = DemoClip.Build();
        using var result = await new FastWarpDragEditor().EditAsync(clip, DemoClip.Request());
        var report = new EditMetrics().Measure(clip, result.EditedClip, result.Instruction);
        report.MeanInitialDragDistance.Should().BeInRange(20, 40);
        report.MeanDragDistance.Should().BeLessThanOrEqualTo(2.0);
        report.PsnrOutsideMask!.Value.Should().BeGreaterThanOrEqualTo(35);
        report.TemporalMaxFlowRatio!.Value.Should().BeInRange(0.9, 1.1);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Real_clip_with_the_default_propagator_meets_the_acceptance_figures()
    {
        using var clip = RealClip.Load();
        using var result = await new FastWarpDragEditor().EditAsync(clip, RealClip.ClothRequest());
        var report = new EditMetrics().Measure(clip, result.EditedClip, result.Instruction);
        report.MeanInitialDragDistance.Should().BeInRange(20, 40);
        report.MeanDragDistance.Should().BeLessThanOrEqualTo(2.0);
        report.PsnrOutsideMask!.Value.Should().BeGreaterThanOrEqualTo(35);
        report.TemporalMaxFlowRatio!.Value.Should().BeInRange(0.9, 1.1);
    }
}

/// <summary>Several drags in one frame are honoured together.</summary>
public sealed class FastWarpMultiPairTests
{
    public FastWarpMultiPairTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(MlsDeformationKind.Rigid)]
    [InlineData(MlsDeformationKind.Similarity)]
    public async Task Two_opposite_drags_both_land_within_two_pixels(MlsDeformationKind kind)
    {
        using var clip = DemoClip.Build(2);
        var c = DemoClip.ObjectCenter(0, 2);
        var left = new DragPair(new(c.X - 28, c.Y), new(c.X - 52, c.Y));
        var right = new DragPair(new(c.X + 28, c.Y), new(c.X + 52, c.Y));
        var mask = BinaryMask.FromFunction(DemoClip.Size, DemoClip.Size, (x, y) => MathF.Abs(x - c.X) <= 85 && MathF.Abs(y - c.Y) <= 60);
        var request = new DragRequest(new[] { new KeyframeDrag(0, new[] { left, right }, mask) });
        using var result = await new FastWarpDragEditor(new StaticPropagator(), new FastWarpOptions { Kind = kind }).EditAsync(clip, request);
        var report = new EditMetrics().Measure(clip, result.EditedClip, result.Instruction);
        report.MeasuredPoints.Should().Be(4);
        report.MaxDragDistance.Should().BeLessThanOrEqualTo(2.0);
        report.PsnrOutsideMask!.Value.Should().BeGreaterThanOrEqualTo(35);
    }
}
