using DragVideo;
using DragVideo.Editing.Fast;
using DragVideo.Editing.FullResolution;
using DragVideo.Editing.Tests.FullResolution;
using DragVideo.Media;
using DragVideo.Media.Streaming;

namespace DragVideo.Editing.Tests.Readme;

/// <summary>The README's full-rate C# quick start, run as written, on a 1280×720 mp4 with audio.</summary>
public class ReadmeFullRateQuickStartTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Readme_full_rate_quick_start_edits_the_whole_video_keeping_size_rate_frames_and_audio()
    {
        using var videos = new SourceVideos();
        string input = videos.PatternWithAudio("input.mp4", "1280x720");
        string output = videos.PathOf("edited.mp4");

        // --- README quick start, verbatim apart from absolute file names ---
        TorchRuntime.EnsureLoaded();
        var info = MediaProbe.Probe(input);
        var request = new DragRequest(new[]
        {
            new KeyframeDrag(0, new[] { new DragPair(new DragPoint(640, 360), new DragPoint(700, 360)) }),
            new KeyframeDrag(info.FrameCount - 1, new[] { new DragPair(new DragPoint(660, 380), new DragPoint(720, 380)) }),
        });
        var editor = new FullResolutionEditor(new FastWarpDragEditor());
        var reports = new List<EditProgress>();
        FullResolutionEditReport report = await editor.EditFileAsync(input, output, request, new Collect(reports));
        // --- end of quick start ---

        var written = StreamingProbe.Probe(output);
        written.Width.Should().Be(1280);
        written.Height.Should().Be(720);
        written.FrameCountHint.Should().Be(info.FrameCount);
        written.FrameRate.Should().Be("30/1");
        written.Audio.Should().ContainSingle();
        report.Audio.Should().Be(AudioOutcome.Copied);
        reports.Should().Contain(r => r.Stage == EditStage.Warping);
    }

    private sealed class Collect(List<EditProgress> sink) : IProgress<EditProgress>
    {
        public void Report(EditProgress value)
        {
            lock (sink) sink.Add(value);
        }
    }
}
