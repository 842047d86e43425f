using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Media.Tests;

public class VideoReaderTests : IClassFixture<VideoReaderTests.IndexVideo>
{
    /// <summary>30 frames at 30 fps, 64×48, frame i a flat grey of level 8i+4, encoded losslessly (crf 0).</summary>
    public sealed class IndexVideo : IDisposable
    {
        public IndexVideo()
        {
            using var clip = TestClips.IndexCoded(30, 64, 48, 30);
            VideoWriter.WriteMp4(clip, Folder.File("index.mp4"), crf: 0);
        }

        public TempFolder Folder { get; } = new();

        public string Path => Folder.File("index.mp4");

        public void Dispose() => Folder.Dispose();
    }

    private readonly IndexVideo _video;

    public VideoReaderTests(IndexVideo video) => _video = video;

    private int[] Indices(VideoReadOptions o)
    {
        using var clip = VideoReader.Read(_video.Path, o);
        return Enumerable.Range(0, clip.FrameCount).Select(i => TestClips.IndexOf(clip, i)).ToArray();
    }

    [Fact]
    public void Every_frame_decodes_to_its_own_index() =>
        Indices(VideoReadOptions.AllFrames).Should().Equal(Enumerable.Range(0, 30));

    [Fact]
    public void Kps_6_at_30_fps_picks_every_fifth_frame_and_sets_fps_6()
    {
        using var clip = VideoReader.Read(_video.Path, new VideoReadOptions { Kps = 6, MaxFrames = null });
        clip.Fps.Should().Be(6);
        Enumerable.Range(0, clip.FrameCount).Select(i => TestClips.IndexOf(clip, i)).Should().Equal(0, 5, 10, 15, 20, 25);
    }

    [Fact]
    public void Kps_7_picks_the_frame_on_screen_at_k_over_7() =>
        Indices(new VideoReadOptions { Kps = 7, MaxFrames = null }).Should().Equal(0, 4, 8, 12, 17, 21, 25);

    [Fact]
    public void Start_time_and_max_frames_apply_after_sampling()
    {
        Indices(new VideoReadOptions { Kps = 6, StartSeconds = 0.5, MaxFrames = null }).Should().Equal(15, 20, 25);
        Indices(new VideoReadOptions { Kps = 6, MaxFrames = 3 }).Should().Equal(0, 5, 10);
        Indices(new VideoReadOptions { Kps = null, StartSeconds = 0.9, MaxFrames = 2 }).Should().Equal(27, 28);
    }

    [Fact]
    public void Kps_above_the_source_rate_keeps_every_frame_at_the_source_rate()
    {
        using var clip = VideoReader.Read(_video.Path, new VideoReadOptions { Kps = 60, MaxFrames = 4 });
        clip.Fps.Should().BeApproximately(30, 1e-9);
        Enumerable.Range(0, 4).Select(i => TestClips.IndexOf(clip, i)).Should().Equal(0, 1, 2, 3);
    }

    [Fact]
    public void Start_after_the_end_is_an_invalid_media_error()
    {
        var act = () => VideoReader.Read(_video.Path, new VideoReadOptions { StartSeconds = 5 });
        act.Should().Throw<InvalidMediaException>().WithMessage("*no frame*");
    }

    [Fact]
    public void Bad_option_is_named() =>
        FluentActions.Invoking(() => VideoReader.Read(_video.Path, new VideoReadOptions { Kps = 0 }))
            .Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Kps");

    [Fact]
    public void Centre_crop_and_pad_to_multiples_of_8_place_the_content_exactly()
    {
        using var tmp = new TempFolder();
        // 100×60 lossless image; pixel (x, y) = (50 + x, 30 + y, 200) / 255
        TorchRuntime.EnsureLoaded();
        var img = torch.zeros(3, 60, 100);
        img[0] = (torch.arange(100).to_type(ScalarType.Float32) + 50).div(255f).unsqueeze(0).expand(60, 100);
        img[1] = (torch.arange(60).to_type(ScalarType.Float32) + 30).div(255f).unsqueeze(1).expand(60, 100);
        img[2].fill_(200 / 255f);
        ImageFile.Write(img, tmp.File("src.png"));

        using var crop = VideoReader.Read(tmp.File("src.png"), new VideoReadOptions { ResizeMode = ResizeMode.CenterCrop });
        (crop.FrameCount, crop.Width, crop.Height).Should().Be((1, 96, 56));
        crop.Frames[0, 0, 0, 0].ToSingle().Should().BeApproximately(52 / 255f, 1e-6f, "the crop drops 2 columns on each side");
        crop.Frames[0, 1, 0, 0].ToSingle().Should().BeApproximately(32 / 255f, 1e-6f, "and 2 rows on each side");
        crop.Frames[0, 0, 0, 95].ToSingle().Should().BeApproximately(147 / 255f, 1e-6f);

        using var pad = VideoReader.Read(tmp.File("src.png"), new VideoReadOptions { ResizeMode = ResizeMode.Pad });
        (pad.Width, pad.Height).Should().Be((104, 64));
        pad.Frames[0, .., 0..2, ..].abs().max().ToSingle().Should().Be(0, "two black rows on top");
        pad.Frames[0, .., .., 0..2].abs().max().ToSingle().Should().Be(0, "two black columns on the left");
        pad.Frames[0, .., .., 102..].abs().max().ToSingle().Should().Be(0, "two black columns on the right");
        pad.Frames[0, 0, 2, 2].ToSingle().Should().BeApproximately(50 / 255f, 1e-6f, "source pixel (0, 0) lands at (2, 2)");
        pad.Frames[0, 1, 61, 101].ToSingle().Should().BeApproximately(89 / 255f, 1e-6f, "source pixel (99, 59) lands at (101, 61)");
    }

    [Fact]
    public void Real_video_is_resized_square_and_sampled()
    {
        var info = MediaProbe.Probe(TestClips.OpenCv("vtest.avi"));
        (info.Width, info.Height, info.FrameCount).Should().Be((768, 576, 795));
        info.Fps.Should().Be(10);
        info.DurationSeconds.Should().BeApproximately(79.5, 1e-6);
        using var clip = VideoReader.Read(TestClips.OpenCv("vtest.avi"), new VideoReadOptions { Width = 128, Square = true, Kps = 5, MaxFrames = 4 });
        (clip.FrameCount, clip.Width, clip.Height, clip.Fps).Should().Be((4, 128, 128, 5.0));
        clip.Frames.std().ToSingle().Should().BeGreaterThan(0.05f, "real content, not a blank frame");
    }
}
