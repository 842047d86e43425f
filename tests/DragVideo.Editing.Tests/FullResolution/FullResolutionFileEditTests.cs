using DragVideo.Editing.FullResolution;
using DragVideo.Editing.Metrics;
using DragVideo.Media;
using DragVideo.Media.Streaming;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using Xunit.Abstractions;

namespace DragVideo.Editing.Tests.FullResolution;

/// <summary>File-to-file full-resolution edits through ffmpeg: what is kept from the source and what changes.</summary>
public sealed class FullResolutionFileEditTests : IDisposable
{
    private readonly SourceVideos _videos = new();
    private readonly ITestOutputHelper _out;

    public FullResolutionFileEditTests(ITestOutputHelper output) => _out = output;

    /// <summary>The vtest cloth drag of the fast-backend acceptance tests, at the source's 768×576 (3× the 256×192 there).</summary>
    internal static DragRequest VtestClothRequest(int lastFrame)
    {
        var pair = new DragPair(new DragPoint(120, 510), new DragPoint(186, 450));
        var mask = BinaryMask.FromFunction(768, 576, (x, y) => x >= 54 && x <= 240 && y >= 408 && y <= 558);
        return new DragRequest(new[] { new KeyframeDrag(0, new[] { pair }, mask), new KeyframeDrag(lastFrame, new[] { pair }, mask) });
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task EditFile_RealClip_KeepsSizeRateAndFrameCount_AndMovesTheHandleContentOntoTheTarget()
    {
        string src = _videos.Vtest(30);
        string dst = _videos.PathOf("edited.mp4");
        var editor = new FullResolutionEditor(new Fast.FastWarpDragEditor(), new FullResolutionOptions { Crf = 0, Preset = "ultrafast" });
        var report = await editor.EditFileAsync(src, dst, VtestClothRequest(29));
        _out.WriteLine($"prep {report.PreparationTime.TotalSeconds:0.0}s prop {report.PropagationTime.TotalSeconds:0.0}s stream {report.StreamingTime.TotalSeconds:0.0}s warp {report.WarpFramesPerSecond:0} fps; notes: {string.Join(" / ", report.Notes)}");

        var info = StreamingProbe.Probe(dst);
        Assert.Equal((768, 576, 30, "yuv420p"), (info.Width, info.Height, info.FrameCountHint, info.PixelFormat));
        Assert.Equal(10.0, info.Fps, 6);
        Assert.Equal(AudioOutcome.NoAudio, report.Audio);
        Assert.Empty(report.Notes);

        // Where did the handle's original content go? Patch search in the edited frames (source pixels).
        using var original = VideoReader.Read(src, VideoReadOptions.AllFrames with { MultipleOf = 1 });
        using var edited = VideoReader.Read(dst, VideoReadOptions.AllFrames with { MultipleOf = 1 });
        var distances = new List<double>();
        foreach (int f in new[] { 0, 7, 15, 22, 29 })
        {
            using var scope = NewDisposeScope();
            var pair = VtestClothRequest(29).Keyframes[0].Pairs[0];
            var template = PatchLocator.Patch(original.Frames[f], pair.Handle, 21);
            var found = PatchLocator.Search(edited.Frames[f], template, 21, 90, 420, 220, 540);
            distances.Add(found.Point.DistanceTo(pair.Target));
        }
        _out.WriteLine("distances to target (source px): " + string.Join(", ", distances.Select(d => d.ToString("0.0"))));
        Assert.True(distances.Average() <= 6, $"mean distance {distances.Average():0.0} px (3 px = 1 working px)");
    }

    public void Dispose() => _videos.Dispose();
}
