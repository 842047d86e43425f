using DragVideo.Tracking.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;

namespace DragVideo.Tracking.Tests.Points;

public class FlowPointPropagatorTests(ITestOutputHelper output)
{
    private static readonly DragPoint Drag = new(12, -7);

    /// <summary>First and last key frames with the ground-truth handles and a fixed drag vector.</summary>
    private static KeyframeDrag[] FirstAndLast(Similarity[] motion, DragPoint[] pts) => new[]
    {
        new KeyframeDrag(0, pts.Select(p => new DragPair(p, p + Drag)).ToArray()),
        new KeyframeDrag(GroundTruth.Frames - 1, pts.Select(p =>
        {
            var q = GroundTruth.At(motion, p, GroundTruth.Frames - 1);
            return new DragPair(q, q + Drag * 0.5f);
        }).ToArray()),
    };

    private static double MedianError(PointPropagation prop, Similarity[] motion, DragPoint[] pts) =>
        GroundTruth.Median(Enumerable.Range(0, GroundTruth.Frames).SelectMany(f =>
            pts.Select((p, j) => (double)prop.Pairs[f][j].Handle.DistanceTo(GroundTruth.At(motion, p, f)))));

    [Fact]
    public void Translated_photograph_is_tracked_over_16_frames_with_median_error_below_half_a_pixel()
    {
        var motion = GroundTruth.Translation();
        var clip = Scenes.Translated;
        var pts = GroundTruth.GridPoints();
        var prop = new FlowPointPropagator().Propagate(clip, FirstAndLast(motion, pts));
        double err = MedianError(prop, motion, pts);
        output.WriteLine($"translation: median handle error {err:F3} px");
        err.Should().BeLessThan(0.5);
        prop.Visible.SelectMany(v => v).Count(v => v).Should().BeGreaterThan(GroundTruth.Frames * pts.Length * 95 / 100);
    }

    [Fact]
    public void Rotating_and_zooming_photograph_is_tracked_over_16_frames_with_median_error_below_one_and_a_half_pixels()
    {
        var motion = GroundTruth.RotationAndScale();
        var clip = Scenes.RotatedAndScaled;
        var pts = GroundTruth.GridPoints();
        // Only the first key frame: every later frame relies on tracking alone.
        var keys = new[] { new KeyframeDrag(0, pts.Select(p => new DragPair(p, p + Drag)).ToArray()) };
        var prop = new FlowPointPropagator().Propagate(clip, keys);
        double err = MedianError(prop, motion, pts);
        output.WriteLine($"rotation+scale: median handle error {err:F3} px");
        err.Should().BeLessThan(1.5);
    }

    [Fact]
    public void Key_frames_reproduce_their_pairs_exactly_and_targets_blend_the_key_frame_drag_vectors()
    {
        var motion = GroundTruth.Translation();
        var clip = Scenes.Translated;
        var pts = GroundTruth.GridPoints(3);
        var keys = FirstAndLast(motion, pts).ToList();
        // A middle key frame whose handles are deliberately 0.4 px off the truth: they must still be reproduced exactly.
        keys.Insert(1, new KeyframeDrag(6, pts.Select(p =>
        {
            var q = GroundTruth.At(motion, p, 6) + new DragPoint(0.4f, 0);
            return new DragPair(q, q + new DragPoint(-5, 5));
        }).ToArray()));
        var prop = new FlowPointPropagator().Propagate(clip, keys);
        foreach (var k in keys)
        {
            prop.Pairs[k.FrameIndex].Should().Equal(k.Pairs);
            prop.Confidence[k.FrameIndex].Should().OnlyContain(c => c == 1f);
        }
        // Frame 3 lies between key frames 0 and 6: α = 0.5, target − handle = 0.5·v0 + 0.5·v6.
        for (int j = 0; j < pts.Length; j++)
        {
            var off = prop.Pairs[3][j].Offset;
            var expected = keys[0].Pairs[j].Offset * 0.5f + keys[1].Pairs[j].Offset * 0.5f;
            off.DistanceTo(expected).Should().BeLessThan(1e-4f);
        }
    }

    [Fact]
    public void A_single_key_frame_in_the_middle_is_tracked_backwards_and_forwards()
    {
        var motion = GroundTruth.Translation();
        var clip = Scenes.Translated;
        var pts = GroundTruth.GridPoints(3);
        var mid = pts.Select(p => GroundTruth.At(motion, p, 7)).ToArray();
        var keys = new[] { new KeyframeDrag(7, mid.Select(p => new DragPair(p, p + Drag)).ToArray()) };
        var prop = new FlowPointPropagator().Propagate(clip, keys);
        prop.Pairs[7].Should().Equal(keys[0].Pairs);
        double err = MedianError(prop, motion, pts);
        output.WriteLine($"middle key frame: median handle error {err:F3} px");
        err.Should().BeLessThan(0.5);
        // Before and after the only key frame the target keeps that key frame's drag vector.
        prop.Pairs[0].Concat(prop.Pairs[15]).Should().OnlyContain(p => p.Offset.DistanceTo(Drag) < 1e-4f);
    }

    [Fact]
    public void Tracked_targets_follow_their_own_scene_points()
    {
        var motion = GroundTruth.Translation();
        var clip = Scenes.Translated;
        var pts = GroundTruth.GridPoints(3);
        var keys = new[] { new KeyframeDrag(0, pts.Select(p => new DragPair(p, p + Drag)).ToArray()) };
        var prop = new FlowPointPropagator(new PropagationOptions { TrackTargets = true }).Propagate(clip, keys);
        var errs = Enumerable.Range(1, GroundTruth.Frames - 1).SelectMany(f =>
            pts.Select((p, j) => (double)prop.Pairs[f][j].Target.DistanceTo(GroundTruth.At(motion, p + Drag, f))));
        GroundTruth.Median(errs).Should().BeLessThan(0.5);
    }

    [Fact]
    public void Points_covered_by_a_passing_object_are_flagged_occluded_and_found_again_afterwards()
    {
        using var bgSrc = TestImages.Load("baboon.jpg", 1024, 1024);
        using var objSrc = TestImages.Load("fruits.jpg", 256, 256);
        using var bgClip = SyntheticClips.Render(bgSrc, GroundTruth.Size, new[] { new Similarity(0, 1, 0, 0) });
        const double radius = 40;
        var centres = Enumerable.Range(0, GroundTruth.Frames).Select(i => (X: 20.0 + 14 * i, Y: 128.0)).ToArray();
        var (clip, _) = SyntheticClips.MovingDisk(bgClip.Frames[0], objSrc, radius, centres);
        using var _clip = clip;
        var pts = new[] { 90f, 130f, 170f }.SelectMany(x => new[] { 110f, 128f, 146f }.Select(y => new DragPoint(x, y)))
            .Append(new DragPoint(128, 40)).Append(new DragPoint(128, 220)).ToArray();
        var keys = new[] { new KeyframeDrag(0, pts.Select(p => new DragPair(p, p + Drag)).ToArray()) };
        var prop = new FlowPointPropagator().Propagate(clip, keys);
        int hidden = 0, hiddenFlagged = 0, clear = 0, clearVisible = 0;
        for (int f = 1; f < GroundTruth.Frames; f++)
            for (int j = 0; j < pts.Length; j++)
            {
                double d = Math.Sqrt(Math.Pow(pts[j].X - centres[f].X, 2) + Math.Pow(pts[j].Y - centres[f].Y, 2));
                if (d < radius - 4) { hidden++; if (!prop.Visible[f][j]) hiddenFlagged++; }
                if (d > radius + 10)
                {
                    clear++;
                    if (prop.Visible[f][j] && prop.Pairs[f][j].Handle.DistanceTo(pts[j]) < 1) clearVisible++;
                }
            }
        output.WriteLine($"occlusion: {hiddenFlagged}/{hidden} covered flagged, {clearVisible}/{clear} uncovered visible");
        hidden.Should().BeGreaterThan(20);
        hiddenFlagged.Should().BeGreaterThanOrEqualTo(hidden * 9 / 10, "points under the object must be flagged");
        clearVisible.Should().BeGreaterThanOrEqualTo(clear * 85 / 100, "uncovered points must be tracked and found again");
    }
}
