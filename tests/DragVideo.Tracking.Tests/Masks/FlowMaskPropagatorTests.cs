using DragVideo.Tracking.Tests.Support;
using Xunit.Abstractions;

namespace DragVideo.Tracking.Tests.Masks;

public class FlowMaskPropagatorTests(ITestOutputHelper output)
{
    private static readonly PropagationOptions CarryOnly = new() { Radius = 0, StretchMaskAlongDrag = false };

    private static readonly Lazy<(VideoClip Clip, BinaryMask[] Masks, (double X, double Y)[] Centres)> Disk = new(() =>
    {
        using var bgSrc = TestImages.Load("baboon.jpg", 1024, 1024);
        using var objSrc = TestImages.Load("fruits.jpg", 256, 256);
        using var bg = SyntheticClips.Render(bgSrc, GroundTruth.Size, new[] { new Similarity(0, 1, 0, 0) });
        var centres = Enumerable.Range(0, GroundTruth.Frames).Select(i => (X: 80.0 + 3.1 * i, Y: 100.0 + 1.7 * i)).ToArray();
        var (clip, masks) = SyntheticClips.MovingDisk(bg.Frames[0], objSrc, 48, centres);
        return (clip, masks, centres);
    });

    private static PointPropagation StaticPoints(int frames, DragPair pair) => new(
        Enumerable.Repeat<IReadOnlyList<DragPair>>(new[] { pair }, frames).ToArray(),
        Enumerable.Repeat<IReadOnlyList<bool>>(new[] { true }, frames).ToArray(),
        Enumerable.Repeat<IReadOnlyList<float>>(new[] { 1f }, frames).ToArray());

    private double[] IoUs(IReadOnlyList<BinaryMask> actual, IReadOnlyList<BinaryMask> truth, string label)
    {
        var ious = actual.Select((m, i) => MaskOperations.IntersectionOverUnion(m, truth[i])).ToArray();
        output.WriteLine($"{label}: IoU min {ious.Min():F3}, mean {ious.Average():F3}");
        return ious;
    }

    [Fact]
    public void Mask_of_an_object_moving_over_a_static_background_is_carried_from_the_first_frame_with_IoU_above_0_9()
    {
        var (clip, truth, centres) = Disk.Value;
        var pair = new DragPair(new DragPoint((float)centres[0].X, (float)centres[0].Y), new DragPoint((float)centres[0].X + 10, (float)centres[0].Y));
        var keys = new[] { new KeyframeDrag(0, new[] { pair }, truth[0]) };
        var masks = new FlowMaskPropagator(CarryOnly).Propagate(clip, keys, StaticPoints(clip.FrameCount, pair));
        masks.Should().HaveCount(GroundTruth.Frames);
        masks[0].Should().Be(truth[0]);
        IoUs(masks, truth, "moving disk, first key frame").Should().OnlyContain(v => v >= 0.9);
    }

    [Fact]
    public void Masks_from_first_and_last_key_frames_are_blended_with_IoU_above_0_9()
    {
        var (clip, truth, centres) = Disk.Value;
        var pair = new DragPair(new DragPoint(100, 100), new DragPoint(110, 100));
        var keys = new[]
        {
            new KeyframeDrag(0, new[] { pair }, truth[0]),
            new KeyframeDrag(GroundTruth.Frames - 1, new[] { pair }, truth[^1]),
        };
        var masks = new FlowMaskPropagator(CarryOnly).Propagate(clip, keys, StaticPoints(clip.FrameCount, pair));
        masks[^1].Should().Be(truth[^1]);
        IoUs(masks, truth, "moving disk, first+last key frames").Should().OnlyContain(v => v >= 0.9);
    }

    [Fact]
    public void A_region_of_a_rotating_zooming_scene_is_carried_with_IoU_above_0_9()
    {
        var clip = Scenes.RotatedAndScaled;
        var motion = GroundTruth.RotationAndScale();
        var centre = new DragPoint(120, 135);
        var key = MaskShapes.Ellipse(GroundTruth.Size, GroundTruth.Size, centre, 50, 32, 0.3f);
        // Ground truth in frame i: pixels whose scene point lies inside the frame-0 ellipse.
        var truth = Enumerable.Range(0, GroundTruth.Frames).Select(i => BinaryMask.FromFunction(GroundTruth.Size, GroundTruth.Size, (x, y) =>
        {
            var (x0, y0) = SyntheticClips.Project(x, y, motion[i], motion[0], GroundTruth.Size);
            float dx = (float)x0 - centre.X, dy = (float)y0 - centre.Y, c = MathF.Cos(0.3f), s = MathF.Sin(0.3f);
            float u = (c * dx + s * dy) / 50, v = (-s * dx + c * dy) / 32;
            return u * u + v * v <= 1;
        })).ToArray();
        var pair = new DragPair(centre, centre + new DragPoint(5, 5));
        var masks = new FlowMaskPropagator(CarryOnly).Propagate(clip, new[] { new KeyframeDrag(0, new[] { pair }, key) },
            StaticPoints(clip.FrameCount, pair));
        IoUs(masks, truth, "rotating scene region").Should().OnlyContain(v => v >= 0.9);
    }

    [Fact]
    public void Without_key_frame_masks_every_frame_is_fully_editable()
    {
        var clip = Scenes.Translated;
        var pair = new DragPair(new DragPoint(100, 100), new DragPoint(110, 100));
        var masks = new FlowMaskPropagator().Propagate(clip, new[] { new KeyframeDrag(0, new[] { pair }) }, StaticPoints(clip.FrameCount, pair));
        masks.Should().OnlyContain(m => m.Count == GroundTruth.Size * GroundTruth.Size);
    }

    [Fact]
    public void Each_frame_mask_is_grown_by_the_radius_and_swept_along_that_frames_drag()
    {
        var (clip, truth, centres) = Disk.Value;
        var pair = new DragPair(new DragPoint(80, 100), new DragPoint(80 + 60, 100));
        var keys = new[] { new KeyframeDrag(0, new[] { pair }, truth[0]) };
        var masks = new FlowMaskPropagator(new PropagationOptions { Radius = 10 }).Propagate(clip, new[] { keys[0] } .ToArray(),
            StaticPoints(clip.FrameCount, pair));
        var expected0 = MaskOperations.StretchAlong(MaskOperations.Dilate(truth[0], 10), new[] { pair });
        masks[0].Should().Be(expected0);
        // The target area (60 px to the right of the disk) is editable; far outside is not.
        masks[0][(int)(centres[0].X + 48 + 60 + 5), 100].Should().BeTrue();
        masks[0][(int)(centres[0].X + 48 + 60 + 15), 100].Should().BeFalse();
    }

    [Fact]
    public void A_key_frame_mask_of_the_wrong_size_is_rejected_naming_the_field()
    {
        var clip = Scenes.Translated;
        var pair = new DragPair(new DragPoint(100, 100), new DragPoint(110, 100));
        var keys = new[] { new KeyframeDrag(0, new[] { pair }, BinaryMask.Filled(128, 128, true)) };
        var act = () => new FlowMaskPropagator().Propagate(clip, keys, StaticPoints(clip.FrameCount, pair));
        act.Should().Throw<InvalidDragRequestException>().Which.Field.Should().Be("keyframes[0].mask");
    }
}
