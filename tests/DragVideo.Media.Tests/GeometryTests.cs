namespace DragVideo.Media.Tests;

public class GeometryTests
{
    [Theory]
    [InlineData(100, 60, null, null, false, ResizeMode.CenterCrop, 96, 56)]
    [InlineData(100, 60, null, null, false, ResizeMode.Pad, 104, 64)]
    [InlineData(768, 576, 500, null, false, ResizeMode.CenterCrop, 496, 368)]
    [InlineData(768, 576, 500, null, false, ResizeMode.Pad, 504, 376)]
    [InlineData(768, 576, 512, 512, true, ResizeMode.CenterCrop, 512, 512)]
    [InlineData(768, 576, null, null, true, ResizeMode.CenterCrop, 576, 576)]
    [InlineData(768, 576, null, null, true, ResizeMode.Pad, 768, 768)]
    [InlineData(641, 359, null, 250, false, ResizeMode.CenterCrop, 440, 248)]
    public void Output_size_is_a_multiple_of_8_rounded_down_for_crop_and_up_for_pad(int sw, int sh, int? w, int? h, bool square, ResizeMode mode, int ew, int eh)
    {
        var g = FrameGeometry.Plan(sw, sh, new VideoReadOptions { Width = w, Height = h, Square = square, ResizeMode = mode });
        (g.Width, g.Height).Should().Be((ew, eh));
        (g.Width % 8, g.Height % 8).Should().Be((0, 0));
        if (mode == ResizeMode.CenterCrop) (g.ScaledWidth >= g.Width && g.ScaledHeight >= g.Height).Should().BeTrue();
        else (g.ScaledWidth <= g.Width && g.ScaledHeight <= g.Height).Should().BeTrue();
    }

    [Fact]
    public void Crop_without_scaling_cuts_the_centre()
    {
        var g = FrameGeometry.Plan(100, 60, new VideoReadOptions());
        g.Should().Be(new FrameGeometry(96, 56, 100, 60, 2, 2, ResizeMode.CenterCrop));
        g.Filter(100, 60).Should().Be("crop=96:56:2:2,format=rgb24");
    }

    [Fact]
    public void Keyframe_sampler_takes_the_frame_on_screen_at_k_over_kps()
    {
        var s = new KeyframeSampler(30, 7, null);
        var taken = Enumerable.Range(0, 30).Where(s.Take).ToArray();
        taken.Should().Equal(0, 4, 8, 12, 17, 21, 25);
        s.OutputFps.Should().Be(7);
        new KeyframeSampler(10, 12, 3).SourceFramesNeeded.Should().Be(3, "kps above the source rate keeps every frame");
    }
}
