using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Media.Tests;

public class OverlayTests
{
    private static (float R, float G, float B) Px(VideoClip c, int f, int x, int y) =>
        (c.Frames[f, 0, y, x].ToSingle(), c.Frames[f, 1, y, x].ToSingle(), c.Frames[f, 2, y, x].ToSingle());

    private static FrameInstruction Frame(int i, BinaryMask mask, bool visible, params DragPair[] pairs) =>
        new(i, pairs, mask, pairs.Select(_ => visible).ToList(), pairs.Select(_ => 1f).ToList());

    [Fact]
    public void Markers_arrow_and_mask_land_on_the_expected_pixels_per_frame()
    {
        TorchRuntime.EnsureLoaded();
        using var clip = new VideoClip(torch.zeros(2, 3, 48, 64), 6);
        var mask = BinaryMask.FromFunction(64, 48, (x, y) => y >= 30);
        var style = new OverlayStyle { PointRadius = 3, ArrowThickness = 1 };
        var instruction = new PropagatedInstruction(new[]
        {
            Frame(0, mask, true, new DragPair(new DragPoint(10, 10), new DragPoint(40, 10))),
            Frame(1, mask, true, new DragPair(new DragPoint(12, 20), new DragPoint(12, 40))),
        });
        using var o = InstructionOverlay.Render(clip, instruction, style);

        (o.FrameCount, o.Width, o.Height, o.Fps).Should().Be((2, 64, 48, 6.0));
        clip.Frames.abs().max().ToSingle().Should().Be(0, "the input clip is not modified");
        // frame 0: red handle disc (radius 3) at (10,10), blue target at (40,10), yellow arrow between
        Px(o, 0, 10, 10).Should().Be((1f, 0f, 0f));
        Px(o, 0, 13, 10).Should().Be((1f, 0f, 0f), "edge of the radius-3 disc");
        Px(o, 0, 13, 11).Should().NotBe((1f, 0f, 0f), "(3,1) from the centre is outside radius 3");
        Px(o, 0, 40, 10).Should().Be((0f, 0f, 1f));
        Px(o, 0, 37, 10).Should().Be((0f, 0f, 1f));
        Px(o, 0, 25, 10).Should().Be((1f, 1f, 0f), "arrow shaft midway");
        Px(o, 0, 25, 12).Should().Be((0f, 0f, 0f), "thin shaft");
        Px(o, 0, 37, 12).Should().Be((1f, 1f, 0f), "lower barb of the arrow head, 30° off the shaft");
        Px(o, 0, 37, 8).Should().Be((1f, 1f, 0f), "upper barb");
        // mask highlight: 35 % white inside (y ≥ 30), untouched outside
        Px(o, 0, 50, 40).R.Should().BeApproximately(0.35f, 1e-6f);
        Px(o, 0, 50, 29).Should().Be((0f, 0f, 0f));
        // frame 1 has its own points: vertical drag
        Px(o, 1, 12, 20).Should().Be((1f, 0f, 0f));
        Px(o, 1, 12, 40).Should().Be((0f, 0f, 1f));
        Px(o, 1, 10, 10).R.Should().Be(0f, "frame 0's handle is not drawn on frame 1");
        Px(o, 1, 12, 30).Should().Be((1f, 1f, 0f), "arrow drawn over the mask highlight");
    }

    [Fact]
    public void Invisible_handle_is_a_hollow_ring_and_a_full_mask_is_not_highlighted()
    {
        TorchRuntime.EnsureLoaded();
        using var clip = new VideoClip(torch.full(1, 3, 32, 32, 0.5f), 6);
        var full = BinaryMask.Filled(32, 32, true);
        var instr = new PropagatedInstruction(new[] { Frame(0, full, false, new DragPair(new DragPoint(8, 8), new DragPoint(24, 24))) });
        using var o = InstructionOverlay.Render(clip, instr, new OverlayStyle { PointRadius = 4, ArrowThickness = 1 });
        Px(o, 0, 12, 8).Should().Be((1f, 0f, 0f), "ring edge");
        Px(o, 0, 8, 4).Should().Be((1f, 0f, 0f), "ring edge");
        Px(o, 0, 6, 8).Should().Be((0.5f, 0.5f, 0.5f), "hollow inside, no highlight");
        Px(o, 0, 2, 28).Should().Be((0.5f, 0.5f, 0.5f), "full mask is not highlighted");
    }

    [Fact]
    public void Arrow_has_a_one_pixel_dark_outline_unless_disabled()
    {
        TorchRuntime.EnsureLoaded();
        using var clip = new VideoClip(torch.full(1, 3, 32, 48, 0.5f), 6);
        var instr = new PropagatedInstruction(new[] { Frame(0, BinaryMask.Filled(48, 32, true), true, new DragPair(new DragPoint(5, 16), new DragPoint(40, 16))) });
        using var o = InstructionOverlay.Render(clip, instr, new OverlayStyle { PointRadius = 2, ArrowThickness = 1 });
        Px(o, 0, 20, 16).Should().Be((1f, 1f, 0f), "shaft");
        Px(o, 0, 20, 17).Should().Be((0f, 0f, 0f), "outline below the shaft");
        Px(o, 0, 20, 15).Should().Be((0f, 0f, 0f), "outline above the shaft");
        Px(o, 0, 20, 18).Should().Be((0.5f, 0.5f, 0.5f), "content beyond the outline");
        using var plain = InstructionOverlay.Render(clip, instr, new OverlayStyle { PointRadius = 2, ArrowThickness = 1, ArrowOutlineColor = null });
        Px(plain, 0, 20, 17).Should().Be((0.5f, 0.5f, 0.5f));
    }

    [Fact]
    public void Instruction_that_does_not_fit_the_clip_is_rejected()
    {
        TorchRuntime.EnsureLoaded();
        using var clip = new VideoClip(torch.zeros(2, 3, 8, 8), 6);
        var instr = new PropagatedInstruction(new[] { Frame(0, BinaryMask.Filled(8, 8, true), true, new DragPair(new(1, 1), new(2, 2))) });
        FluentActions.Invoking(() => InstructionOverlay.Render(clip, instr)).Should().Throw<ArgumentException>().WithMessage("*1 frames*2*");
    }
}
