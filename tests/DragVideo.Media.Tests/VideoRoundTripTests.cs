using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Media.Tests;

public class VideoRoundTripTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>
    /// Measured bound: a 12-frame 256×192 window sliding over baboon.jpg (heavy texture), H.264 crf 18 yuv420p, decodes with
    /// a mean absolute error of 0.0277 (≈ 7 of 255 levels; Debian 12 ffmpeg 5.1 / x264), dominated by 4:2:0 chroma
    /// subsampling of the fur texture. The bound 0.04 leaves headroom for other x264 builds; the per-frame check below
    /// catches shifted or swapped frames.
    /// </summary>
    public const double Mp4MeanAbsErrorBound = 0.04;

    [Fact]
    public void Clip_round_trips_through_mp4_with_frame_count_size_and_bounded_error()
    {
        using var tmp = new TempFolder();
        using var clip = TestClips.SlidingWindow(TestClips.OpenCv("baboon.jpg"), 12, 256, 192);
        string path = tmp.File("clip.mp4");
        VideoWriter.WriteMp4(clip, path);
        tmp.Files().Should().Equal("clip.mp4");

        var info = MediaProbe.Probe(path);
        (info.Width, info.Height, info.FrameCount, info.Codec).Should().Be((256, 192, 12, "h264"));
        info.Fps.Should().BeApproximately(12, 1e-6);

        using var back = VideoReader.Read(path, VideoReadOptions.AllFrames);
        (back.FrameCount, back.Width, back.Height).Should().Be((12, 256, 192));
        back.Fps.Should().BeApproximately(12, 1e-6);
        double mae = (back.Frames - clip.Frames).abs().mean().ToDouble();
        output.WriteLine($"mp4 crf 18 round trip: mean abs error {mae:F4} (bound {Mp4MeanAbsErrorBound})");
        mae.Should().BeLessThan(Mp4MeanAbsErrorBound);
        // frames stay in order: each decoded frame is closest to its own source frame, not a neighbour
        for (int i = 1; i < 11; i++)
        {
            double own = (back.Frames[i] - clip.Frames[i]).abs().mean().ToDouble();
            double prev = (back.Frames[i] - clip.Frames[i - 1]).abs().mean().ToDouble();
            own.Should().BeLessThan(prev);
        }
    }

    [Fact]
    public void Odd_sized_clip_is_padded_to_even_for_yuv420p()
    {
        using var tmp = new TempFolder();
        using var clip = TestClips.IndexCoded(3, 33, 17, 10);
        VideoWriter.WriteMp4(clip, tmp.File("odd.mp4"));
        var info = MediaProbe.Probe(tmp.File("odd.mp4"));
        (info.Width, info.Height, info.FrameCount).Should().Be((34, 18, 3));
    }

    [Fact]
    public void Gif_keeps_every_frame_and_png_sequence_is_lossless()
    {
        using var tmp = new TempFolder();
        using var clip = TestClips.SlidingWindow(TestClips.OpenCv("fruits.jpg"), 4, 64, 48);
        VideoWriter.WriteGif(clip, tmp.File("a.gif"));
        var gif = MediaProbe.Probe(tmp.File("a.gif"));
        (gif.Width, gif.Height, gif.FrameCount, gif.Codec).Should().Be((64, 48, 4, "gif"));

        var files = VideoWriter.WritePngSequence(clip, tmp.File("seq"), "f_");
        files.Select(Path.GetFileName).Should().Equal("f_0000.png", "f_0001.png", "f_0002.png", "f_0003.png");
        Directory.GetFileSystemEntries(tmp.File("seq")).Should().HaveCount(4, "the temporary folder is gone");
        using var f2 = ImageFile.Read(files[2]);
        var expected = torch.tensor(clip.ToRgb24(2), new long[] { 48, 64, 3 }).permute(2, 0, 1).to_type(ScalarType.Float32) / 255f;
        f2.allclose(expected, rtol: 0, atol: 1e-6).Should().BeTrue();
    }

    [Fact]
    public void Cancelled_write_leaves_no_file_behind()
    {
        using var tmp = new TempFolder();
        using var clip = TestClips.IndexCoded(2, 16, 16, 10);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var act = () => VideoWriter.WriteMp4(clip, tmp.File("x.mp4"), cancellationToken: cts.Token);
        act.Should().Throw<OperationCanceledException>();
        tmp.Files().Should().BeEmpty();
    }

    [Fact]
    public void Failed_encode_throws_and_leaves_no_file_behind()
    {
        using var tmp = new TempFolder();
        using var clip = TestClips.IndexCoded(2, 16, 16, 1e-30); // a frame rate ffmpeg rejects
        var act = () => VideoWriter.WriteMp4(clip, tmp.File("x.mp4"));
        act.Should().Throw<IOException>().WithMessage("*ffmpeg*");
        tmp.Files().Should().BeEmpty();
    }
}
