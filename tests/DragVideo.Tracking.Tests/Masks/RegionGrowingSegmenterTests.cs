using DragVideo.Tracking.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using Xunit.Abstractions;

namespace DragVideo.Tracking.Tests.Masks;

public class RegionGrowingSegmenterTests(ITestOutputHelper output)
{
    private static (Tensor Frame, BinaryMask Truth) DiskScene()
    {
        using var bgSrc = TestImages.Load("baboon.jpg", 1024, 1024);
        using var objSrc = TestImages.Load("fruits.jpg", 256, 256);
        using var bg = SyntheticClips.Render(bgSrc, GroundTruth.Size, new[] { new Similarity(0, 1, 0, 0) });
        var (clip, masks) = SyntheticClips.MovingDisk(bg.Frames[0], objSrc, 50, new[] { (X: 140.0, Y: 120.0) });
        using (clip) return (clip.Frames[0].clone(), masks[0]);
    }

    [Fact]
    public void A_textured_object_is_segmented_from_positive_and_negative_clicks()
    {
        var (frame, truth) = DiskScene();
        using var _ = frame;
        var mask = new RegionGrowingSegmenter().Segment(frame,
            new[] { new DragPoint(140, 120), new DragPoint(120, 140), new DragPoint(165, 105) },
            new[] { new DragPoint(40, 40), new DragPoint(230, 220), new DragPoint(60, 200), new DragPoint(220, 40) });
        double iou = MaskOperations.IntersectionOverUnion(mask, truth);
        output.WriteLine($"segmenter IoU (3 positive, 4 negative clicks): {iou:F3}");
        iou.Should().BeGreaterThan(0.9);
    }

    [Fact]
    public void With_only_a_positive_click_the_frame_border_acts_as_background()
    {
        var (frame, truth) = DiskScene();
        using var _ = frame;
        var mask = new RegionGrowingSegmenter().Segment(frame, new[] { new DragPoint(140, 120) }, Array.Empty<DragPoint>());
        double iou = MaskOperations.IntersectionOverUnion(mask, truth);
        output.WriteLine($"segmenter IoU (1 positive click): {iou:F3}");
        mask[140, 120].Should().BeTrue();
        mask[2, 2].Should().BeFalse();
        iou.Should().BeGreaterThan(0.75);
    }

    [Fact]
    public void A_click_outside_the_frame_is_rejected_naming_it()
    {
        using var f = torch.rand(3, 40, 40);
        var act = () => new RegionGrowingSegmenter().Segment(f, new[] { new DragPoint(5, 5) }, new[] { new DragPoint(5, 45) });
        act.Should().Throw<ArgumentException>().WithMessage("*negative[0]*");
    }
}
