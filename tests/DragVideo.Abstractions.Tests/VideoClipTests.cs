using DragVideo;

namespace DragVideo.Abstractions.Tests;

public class VideoClipTests
{
    [Fact]
    public void Rgb24_round_trip_reproduces_every_byte()
    {
        TorchRuntime.EnsureLoaded();
        var rnd = new Random(1);
        var frames = Enumerable.Range(0, 3).Select(_ => { var b = new byte[5 * 4 * 3]; rnd.NextBytes(b); return b; }).ToList();
        using var clip = VideoClip.FromRgb24(frames, 5, 4, 12);
        clip.FrameCount.Should().Be(3);
        clip.Width.Should().Be(5);
        clip.Height.Should().Be(4);
        for (int i = 0; i < 3; i++) clip.ToRgb24(i).Should().Equal(frames[i]);
    }

    [Fact]
    public void Frame_of_wrong_length_is_rejected_with_its_index()
    {
        var act = () => VideoClip.FromRgb24(new[] { new byte[60], new byte[59] }, 5, 4, 12);
        act.Should().Throw<InvalidMediaException>().WithMessage("*frame 1*60*");
    }
}
