using DragVideo.Tracking.Tests.Support;
using TorchSharp;

namespace DragVideo.Tracking.Tests;

public class DragInstructionPropagatorTests
{
    private static DragPair Pair(float x, float y) => new(new DragPoint(x, y), new DragPoint(x + 10, y - 5));

    [Fact]
    public void Every_frame_gets_pairs_a_grown_mask_and_flags_and_key_frames_keep_their_pairs()
    {
        var clip = Scenes.Translated;
        var motion = GroundTruth.Translation();
        var p0 = new DragPoint(120, 130);
        var pLast = GroundTruth.At(motion, p0, GroundTruth.Frames - 1);
        var mask = MaskShapes.Ellipse(GroundTruth.Size, GroundTruth.Size, p0, 20, 15);
        var request = new DragRequest(new[]
        {
            new KeyframeDrag(0, new[] { new DragPair(p0, p0 + new DragPoint(8, 0)) }, mask),
            new KeyframeDrag(GroundTruth.Frames - 1, new[] { new DragPair(pLast, pLast + new DragPoint(8, 0)) }),
        });
        var result = new DragInstructionPropagator().Propagate(clip, request);
        result.Frames.Should().HaveCount(GroundTruth.Frames);
        result.Frames.Select(f => f.FrameIndex).Should().Equal(Enumerable.Range(0, GroundTruth.Frames));
        result.Frames[0].Pairs.Should().Equal(request.Keyframes[0].Pairs);
        result.Frames[^1].Pairs.Should().Equal(request.Keyframes[1].Pairs);
        // Frame 0's mask: the key mask grown by the paper's radius 10 and swept 8 px to the right.
        result.Frames[0].Mask.Should().Be(MaskOperations.StretchAlong(MaskOperations.Dilate(mask, 10), request.Keyframes[0].Pairs));
        foreach (var f in result.Frames)
        {
            f.Mask[(int)MathF.Round(f.Pairs[0].Handle.X), (int)MathF.Round(f.Pairs[0].Handle.Y)].Should().BeTrue();
            f.Mask[(int)MathF.Round(f.Pairs[0].Target.X), (int)MathF.Round(f.Pairs[0].Target.Y)].Should().BeTrue();
            f.Visible.Should().Equal(true);
            f.Mask.Count.Should().BeLessThan(GroundTruth.Size * GroundTruth.Size / 4);
        }
    }

    [Fact]
    public void A_point_outside_the_frame_is_rejected_naming_the_coordinate()
    {
        var request = new DragRequest(new[] { new KeyframeDrag(0, new[] { Pair(300, 10) }) });
        var act = () => new DragInstructionPropagator().Propagate(Scenes.Translated, request);
        act.Should().Throw<InvalidDragRequestException>().Which.Field.Should().Be("keyframes[0].pairs[0].handle.x");
    }

    [Fact]
    public void A_key_frame_index_outside_the_clip_is_rejected_naming_the_field()
    {
        var request = new DragRequest(new[] { new KeyframeDrag(0, new[] { Pair(10, 10) }), new KeyframeDrag(16, new[] { Pair(10, 10) }) });
        var act = () => new DragInstructionPropagator().Propagate(Scenes.Translated, request);
        act.Should().Throw<InvalidDragRequestException>().Which.Field.Should().Be("keyframes[1].frame");
    }

    [Fact]
    public void Key_frames_with_different_pair_counts_are_rejected_naming_the_field()
    {
        var request = new DragRequest(new[] { new KeyframeDrag(0, new[] { Pair(10, 10) }), new KeyframeDrag(15, new[] { Pair(10, 10), Pair(20, 20) }) });
        var act = () => new FlowPointPropagator().Propagate(Scenes.Translated, request.Keyframes);
        act.Should().Throw<InvalidDragRequestException>().Which.Field.Should().Be("keyframes[1].pairs");
    }

    [Fact]
    public void A_clip_of_one_frame_is_rejected()
    {
        using var one = new VideoClip(torch.rand(1, 3, 32, 32), 8);
        var request = new DragRequest(new[] { new KeyframeDrag(0, new[] { Pair(10, 10) }) });
        var act = () => new DragInstructionPropagator().Propagate(one, request);
        act.Should().Throw<InvalidDragRequestException>().Which.Field.Should().Be("clip");
    }
}
