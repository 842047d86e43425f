using DragVideo.Cli.Demo;
using DragVideo.Editing.Metrics;

namespace DragVideo.Editing.Tests.Metrics;

/// <summary><see cref="EditMetricsOptions.FrameStride"/>: measuring every n-th frame (long full-rate clips).</summary>
public class MetricsSamplingTests
{
    private static PropagatedInstruction Instruction(int frames, DragPair pair, BinaryMask mask) =>
        new(Enumerable.Range(0, frames).Select(f => new FrameInstruction(f, new[] { pair }, mask, new[] { true }, new[] { 1f })).ToArray());

    [Fact]
    public void FrameStride_MeasuresEveryNthFrameAndPair()
    {
        using var clip = DemoClip.Build(5);
        var flow = new ConstantFlow(3, 4);
        var mask = BinaryMask.FromFunction(DemoClip.Size, DemoClip.Size, (x, y) => x < 40 && y < 40);
        var report = new EditMetrics(flow, options: new EditMetricsOptions { UseFlowForDragAccuracy = false, FrameStride = 2 })
            .Measure(clip, clip, Instruction(5, new DragPair(new(10, 10), new(20, 10)), mask));
        report.MeasuredPoints.Should().Be(3, "frames 0, 2 and 4");
        flow.Calls.Should().Be(4, "pairs (0, 1) and (2, 3) of the edited and of the original clip");
        report.TemporalMaxFlow.Should().BeApproximately(5, 1e-5);
    }

    [Fact]
    public void FrameStride_OutOfRange_IsRejectedNamingTheOption()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new EditMetricsOptions { FrameStride = 0 }.Validate());
        e.ParamName.Should().Be("FrameStride");
    }
}
