using DragVideo.Testing;

namespace DragVideo.Media.Tests;

/// <summary>The media faults of docs/reliability.md: memory budgets, bounded reads, verified writes, links, full disks.</summary>
public class ReliabilityTests
{
    private static string WriteClip(TempFolder tmp, string name, int frames, int width, int height, double fps = 10)
    {
        using var clip = TestClips.IndexCoded(frames, width, height, fps);
        string path = tmp.File(name);
        VideoWriter.WriteMp4(clip, path);
        return path;
    }

    [Fact]
    public void A_decode_over_the_memory_budget_is_refused_before_decoding_and_names_the_options()
    {
        using var tmp = new TempFolder();
        string video = WriteClip(tmp, "v.mp4", 10, 64, 48);
        var options = new VideoReadOptions { Kps = null, MaxFrames = null, MaxDecodedBytes = 64 * 48 * 15 * 9 };   // 9 frames' worth
        var ex = FluentActions.Invoking(() => VideoReader.Read(video, options)).Should().Throw<MemoryBudgetExceededException>().Which;
        ex.Setting.Should().Be(nameof(VideoReadOptions.MaxDecodedBytes));
        ex.RequiredBytes.Should().Be(64L * 48 * 15 * 10);
        ex.BudgetBytes.Should().Be(64L * 48 * 15 * 9);
        ex.Message.Should().Contain("MaxDecodedBytes").And.Contain("MaxFrames").And.Contain("64×48");

        // The same budget holds exactly ten frames' worth once it is large enough.
        using var clip = VideoReader.Read(video, options with { MaxDecodedBytes = 64 * 48 * 15 * 10 });
        clip.FrameCount.Should().Be(10);
    }

    [Theory]
    [InlineData(null, null, 0.0, 20)]
    [InlineData(5.0, null, 0.0, 10)]
    [InlineData(null, 7, 0.0, 7)]
    [InlineData(null, null, 1.0, 10)]
    [InlineData(3.0, 4, 0.5, 4)]
    public void The_decode_estimate_predicts_the_frames_the_reader_returns(double? kps, int? maxFrames, double start, int expected)
    {
        using var tmp = new TempFolder();
        string video = WriteClip(tmp, "v.mp4", 20, 64, 48, fps: 10);
        var options = new VideoReadOptions { Kps = kps, MaxFrames = maxFrames, StartSeconds = start };
        var estimate = DecodeEstimate.For(video, options);
        using var clip = VideoReader.Read(video, options);
        estimate.ExpectedFrames.Should().Be(expected);
        clip.FrameCount.Should().Be(expected);
        (estimate.Width, estimate.Height).Should().Be((clip.Width, clip.Height));
    }

    [Fact]
    public void A_truncated_faststart_mp4_promises_more_frames_than_it_decodes()
    {
        using var tmp = new TempFolder();
        string whole = WriteClip(tmp, "whole.mp4", 40, 64, 48);
        var bytes = File.ReadAllBytes(whole);
        string cut = tmp.File("cut.mp4");
        File.WriteAllBytes(cut, bytes[..(bytes.Length * 2 / 3)]);
        var options = new VideoReadOptions { Kps = null, MaxFrames = null };
        var estimate = DecodeEstimate.For(cut, options);
        estimate.ExpectedFrames.Should().Be(40, "the moov atom at the front still lists every frame");
        VideoClip? clip = null;
        try
        {
            clip = VideoReader.Read(cut, options);
        }
        catch (InvalidMediaException)
        {
            return; // ffmpeg may also refuse the cut file outright; either way it is never taken for the 40-frame clip
        }
        using (clip) clip.FrameCount.Should().BeLessThan(estimate.ExpectedFrames);
    }

    [Fact]
    public void A_mask_file_over_the_size_limit_is_refused_without_reading_it()
    {
        using var tmp = new TempFolder();
        string big = tmp.File("huge.png");
        using (var f = new FileStream(big, FileMode.Create)) f.SetLength(ImageFile.MaxImageFileBytes + 1);   // sparse
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = FluentActions.Invoking(() => MaskFile.Read(big)).Should().Throw<MemoryBudgetExceededException>().Which;
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1 << 20);
        ex.RequiredBytes.Should().Be(ImageFile.MaxImageFileBytes + 1);
        ex.Message.Should().Contain("huge.png").And.Contain("64.0 MiB");
    }

    [Fact]
    public void A_corrupt_png_mask_is_reported_as_an_unreadable_image_not_a_video()
    {
        using var tmp = new TempFolder();
        string bad = tmp.File("mask.png");
        var bytes = new byte[4000];
        new Random(5).NextBytes(bytes);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        File.WriteAllBytes(bad, bytes);
        var ex = FluentActions.Invoking(() => MaskFile.Read(bad)).Should().Throw<InvalidMediaException>().Which;
        // One PNG reader for masks (issue 15): the error names the file and the PNG defect, never a video stream.
        ex.Message.Should().Contain("mask.png").And.Contain("PNG").And.NotContain("video stream");
        ex.Path.Should().Be(bad);
    }

    [Fact]
    public void Verification_accepts_a_complete_file_and_rejects_a_truncated_one_or_a_wrong_frame_count()
    {
        using var tmp = new TempFolder();
        string whole = WriteClip(tmp, "whole.mp4", 12, 64, 48);
        WrittenVideo.Verify(whole, 12, 64, 48, 10);
        FluentActions.Invoking(() => WrittenVideo.Verify(whole, 13, 64, 48, 10)).Should().Throw<IOException>().WithMessage("*12 of the 13 frames*");
        FluentActions.Invoking(() => WrittenVideo.Verify(whole, 12, 66, 48, 10)).Should().Throw<IOException>().WithMessage("*64×48*");
        FluentActions.Invoking(() => WrittenVideo.Verify(whole, 12, 64, 48, 2)).Should().Throw<IOException>().WithMessage("*lasts*");

        var bytes = File.ReadAllBytes(whole);
        string cut = tmp.File("cut.mp4");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        FluentActions.Invoking(() => WrittenVideo.Verify(cut, 12, 64, 48, 10)).Should().Throw<IOException>().WithMessage("*not kept*");
    }

    [Theory]
    [InlineData("regular")]
    [InlineData("/dev/full")]
    public void An_output_that_is_a_symbolic_link_is_refused_and_left_a_link(string target)
    {
        using var tmp = new TempFolder();
        string real = target == "regular" ? tmp.File("real.mp4") : target;
        if (target == "regular") File.WriteAllText(real, "previous");
        string link = tmp.File("out.mp4");
        File.CreateSymbolicLink(link, real);
        using var clip = TestClips.IndexCoded(4, 32, 32, 10);
        FluentActions.Invoking(() => VideoWriter.WriteMp4(clip, link)).Should().Throw<IOException>().WithMessage("*symbolic link*");
        new FileInfo(link).LinkTarget.Should().Be(real);
        if (target == "regular") File.ReadAllText(real).Should().Be("previous");
        tmp.Files().Should().BeEquivalentTo(target == "regular" ? new[] { "out.mp4", "real.mp4" } : new[] { "out.mp4" });
    }

    [TmpfsFact]
    public void A_full_disk_fails_the_write_and_leaves_the_previous_file_untouched()
    {
        using var disk = TmpfsMount.Mount(4L << 20);
        string target = Path.Combine(disk.Path, "edited.mp4");
        using (var small = TestClips.IndexCoded(4, 32, 32, 10)) VideoWriter.WriteMp4(small, target);
        byte[] previous = File.ReadAllBytes(target);
        disk.Fill(leaveBytes: 48 * 1024);

        // Noise does not compress: a lossless 24-frame 256² encode is megabytes, far over the 48 KiB left.
        TorchSharp.torch.manual_seed(1);
        using var noisy = new VideoClip(TorchSharp.torch.rand(24, 3, 256, 256), 10);
        FluentActions.Invoking(() => VideoWriter.WriteMp4(noisy, target, crf: 0)).Should().Throw<IOException>();
        File.ReadAllBytes(target).Should().Equal(previous);
        Directory.GetFiles(disk.Path).Select(f => Path.GetFileName(f)).Should().BeEquivalentTo("edited.mp4", "filler.bin");
    }
}
