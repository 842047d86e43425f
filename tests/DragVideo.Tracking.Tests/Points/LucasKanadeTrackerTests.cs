using DragVideo.Tracking.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Tracking.Tests.Points;

public class LucasKanadeTrackerTests
{
    [Fact]
    public void Sub_pixel_translation_between_two_frames_is_tracked_to_a_tenth_of_a_pixel()
    {
        using var src = TestImages.Load("baboon.jpg", 1024, 1024);
        var motion = new[] { new Similarity(0, 1, 0, 0), new Similarity(0, 1, -3.37, 2.81) };
        using var clip = SyntheticClips.Render(src, GroundTruth.Size, motion);
        var pts = GroundTruth.GridPoints();
        var res = new LucasKanadeTracker().Track(clip.Frames[0], clip.Frames[1], pts);
        var errs = pts.Select((p, i) => (double)res[i].Position.DistanceTo(GroundTruth.At(motion, p, 1))).ToArray();
        GroundTruth.Median(errs).Should().BeLessThan(0.1);
        res.Should().OnlyContain(r => r.Found && r.ForwardBackwardError < 0.2f && r.Confidence > 0.8f);
    }

    [Fact]
    public void A_point_whose_content_is_replaced_is_reported_lost()
    {
        using var src = TestImages.Load("baboon.jpg", 1024, 1024);
        using var other = TestImages.Load("fruits.jpg", 1024, 1024);
        using var a = SyntheticClips.Render(src, GroundTruth.Size, new[] { new Similarity(0, 1, 0, 0) });
        using var b = SyntheticClips.Render(other, GroundTruth.Size, new[] { new Similarity(0, 1, 0, 0) });
        // Right half of frame 1 shows another photograph: points there are occluded, points on the left are not.
        using var mixed = a.Frames[0].clone();
        mixed[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(128)] = b.Frames[0][TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(128)];
        var left = new DragPoint(60, 100);
        var right = new DragPoint(200, 100);
        var res = new LucasKanadeTracker().Track(a.Frames[0], mixed, new[] { left, right });
        res[0].Found.Should().BeTrue();
        res[1].Found.Should().BeFalse();
        res[1].Confidence.Should().BeLessThan(res[0].Confidence);
    }

    [Fact]
    public void A_point_outside_the_frame_is_rejected_naming_its_index()
    {
        using var f = torch.rand(3, 32, 32);
        var act = () => new LucasKanadeTracker().Track(f, f, new[] { new DragPoint(3, 3), new DragPoint(40, 3) });
        act.Should().Throw<ArgumentException>().WithMessage("*points[1]*");
    }
}
