using DragVideo.Tracking.Tests.Support;
using Xunit.Abstractions;

namespace DragVideo.Tracking.Tests.Points;

/// <summary>Real footage (opencv-doc's vtest.avi: a fixed camera over a pedestrian street, MPEG-4 compressed).</summary>
public class RealFootageTests(ITestOutputHelper output)
{
    [Fact]
    public void On_real_footage_points_on_the_static_street_stay_put_and_visible_and_the_instruction_covers_every_frame()
    {
        using var clip = TestImages.LoadVideo("vtest.avi", 16, 320, 240);
        // Points on the building facades / pavement edges, away from the walking people.
        var statics = new[] { new DragPoint(20, 30), new DragPoint(300, 25), new DragPoint(160, 12), new DragPoint(40, 80), new DragPoint(290, 90) };
        var request = new DragRequest(new[] { new KeyframeDrag(0, statics.Select(p => new DragPair(p, p + new DragPoint(6, 0))).ToArray()) });
        var result = new DragInstructionPropagator().Propagate(clip, request);
        result.Frames.Should().HaveCount(16);
        var drift = result.Frames.SelectMany(f => f.Pairs.Select((p, j) => (double)p.Handle.DistanceTo(statics[j]))).ToArray();
        double visible = result.Frames.SelectMany(f => f.Visible).Count(v => v) / (double)(16 * statics.Length);
        output.WriteLine($"vtest.avi static points: median drift {GroundTruth.Median(drift):F3} px, max {drift.Max():F2} px, visible {visible:P0}");
        GroundTruth.Median(drift).Should().BeLessThan(0.5);
        visible.Should().BeGreaterThan(0.8);
    }
}
