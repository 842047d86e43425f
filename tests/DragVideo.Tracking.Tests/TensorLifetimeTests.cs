using DragVideo.Testing;
using DragVideo.Tracking.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Tracking.Tests;

public class TensorLifetimeTests
{
    [Fact]
    public void Repeated_propagation_and_segmentation_leave_no_live_tensors_behind()
    {
        using var src = TestImages.Load("baboon.jpg", 256, 256);
        using var clip = SyntheticClips.Render(src, 64, Enumerable.Range(0, 4).Select(i => new Similarity(0, 1, i, -i)).ToArray());
        var mask = MaskShapes.Ellipse(64, 64, new DragPoint(32, 32), 10, 8);
        var request = new DragRequest(new[]
        {
            new KeyframeDrag(0, new[] { new DragPair(new DragPoint(30, 30), new DragPoint(36, 30)) }, mask),
            new KeyframeDrag(3, new[] { new DragPair(new DragPoint(28, 32), new DragPoint(34, 32)) }, mask),
        });
        var propagator = new DragInstructionPropagator();
        var flow = new PyramidalOpticalFlow();
        var lk = new LucasKanadeTracker();
        var segmenter = new RegionGrowingSegmenter();
        void Run()
        {
            propagator.Propagate(clip, request);
            using var a = clip.Frames[0];
            using var b = clip.Frames[1];
            using var f = flow.Compute(a, b);
            lk.Track(a, b, new[] { new DragPoint(20, 20) });
            segmenter.Segment(a, new[] { new DragPoint(32, 32) }, Array.Empty<DragPoint>());
        }
        Run();
        long before = LiveTensors.Count;
        Run();
        Run();
        LiveTensors.Count.Should().Be(before);
    }
}
