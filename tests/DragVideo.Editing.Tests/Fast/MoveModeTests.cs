using DragVideo.Editing.Fast;
using DragVideo.Editing.Metrics;
using DragVideo.TestUtilities;
using Xunit.Abstractions;

namespace DragVideo.Editing.Tests.Fast;

/// <summary>Move mode (<see cref="FastDeformationMode.Move"/>) on a synthetic scene whose ground truth is known.</summary>
public sealed class MoveModeSceneTests
{
    private static readonly DragPoint Offset = new(14, -20);
    private readonly ITestOutputHelper _output;

    public MoveModeSceneTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.EnsureLoaded();
    }

    private static FastWarpDragEditor Editor(DisplacedObjectScene scene, FastWarpOptions? options = null, DragPoint? offset = null) =>
        new(new FixedPropagator(scene.Instruction(offset ?? Offset)), (options ?? FastWarpOptions.Default) with { Mode = FastDeformationMode.Move });

    [Fact]
    public async Task Move_mode_beats_stretch_mode_by_three_db_inside_the_mask_and_lands_the_drag()
    {
        var scene = new DisplacedObjectScene();
        using var clip = scene.Render();
        using var truth = scene.Render(Offset);
        var comparison = await GroundTruthComparison.CompareAsync(clip, scene.Request(Offset), truth, new FixedPropagator(scene.Instruction(Offset)));
        _output.WriteLine($"stretch: {comparison.Stretch.PsnrInMask:F2} dB, drag {comparison.Stretch.MeanDragDistance:F2} px, Eq.8 ratio {comparison.Stretch.TemporalMaxFlowRatio:F3}");
        _output.WriteLine($"move:    {comparison.Move.PsnrInMask:F2} dB, drag {comparison.Move.MeanDragDistance:F2} px, Eq.8 ratio {comparison.Move.TemporalMaxFlowRatio:F3}; notes: {string.Join(" | ", comparison.Move.Notes)}");
        comparison.PsnrGain.Should().BeGreaterThanOrEqualTo(3);
        comparison.Move.MeanDragDistance.Should().BeLessThanOrEqualTo(2);
        comparison.Move.Notes.Should().NotContain(n => n.Contains("fell back"));
    }
}
