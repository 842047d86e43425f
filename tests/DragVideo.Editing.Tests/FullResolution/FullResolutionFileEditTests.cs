using DragVideo.Editing.Fast;
using DragVideo.Editing.FullResolution;
using DragVideo.Editing.Metrics;
using DragVideo.Media;
using DragVideo.Media.Streaming;
using DragVideo.Tracking.Imaging;
using TorchSharp;
using static TorchSharp.torch;
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
        var editor = new FullResolutionEditor(new FastWarpDragEditor(), new FullResolutionOptions { Crf = 0, Preset = "ultrafast" });
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
            var template = PatchLocator.Patch(HostImage.FromTensor(original.Frames[f]), pair.Handle, 21);
            var found = PatchLocator.Search(HostImage.FromTensor(edited.Frames[f]), template, 21, 90, 420, 220, 540);
            distances.Add(found.Point.DistanceTo(pair.Target));
        }
        _out.WriteLine("distances to target (source px): " + string.Join(", ", distances.Select(d => d.ToString("0.0"))));
        Assert.True(distances.Average() <= 6, $"mean distance {distances.Average():0.0} px (2.4 source px = 1 working px at the default 320 px working width)");
    }

    /// <summary>A drag in the middle of a 320×240 source (or any size: coordinates scale with it).</summary>
    private static DragRequest CentreDrag(int w, int h, int lastFrame)
    {
        var pair = new DragPair(new DragPoint(w * 0.5f, h * 0.5f), new DragPoint(w * 0.5f + w / 20f, h * 0.5f - h / 24f));
        var mask = BinaryMask.FromFunction(w, h, (x, y) => x >= w * 0.3 && x < w * 0.7 && y >= h * 0.3 && y < h * 0.7);
        return new DragRequest(new[] { new KeyframeDrag(0, new[] { pair }, mask), new KeyframeDrag(lastFrame, new[] { pair }, mask) });
    }

    private static FullResolutionEditor QuickEditor(FullResolutionOptions? options = null) =>
        new(new FastWarpDragEditor(), (options ?? new FullResolutionOptions()) with { Preset = "ultrafast" });

    [Fact]
    public async Task EditFile_WithAudio_CopiesTheAudio_AndPassesPixelsOutsideTheEditableRegionThroughBitExact()
    {
        string src = _videos.PatternWithAudio();
        string dst = _videos.PathOf("out/edited.mp4");
        var progress = new List<EditProgress>();
        var report = await QuickEditor(new FullResolutionOptions { Crf = 0 }).EditFileAsync(src, dst, CentreDrag(320, 240, 59),
            new SyncProgress(progress));

        var info = StreamingProbe.Probe(dst);
        Assert.Equal((320, 240, 60, "yuv420p"), (info.Width, info.Height, info.FrameCountHint, info.PixelFormat));
        Assert.Equal("30/1", info.FrameRate);
        Assert.Equal(AudioOutcome.Copied, report.Audio);
        Assert.Equal("aac", Assert.Single(info.Audio).Codec);
        Assert.Empty(report.Notes);
        Assert.Contains(progress, p => p.Stage == EditStage.Warping && p.Step == 60 && p.TotalSteps == 60);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(dst)!, "*.tmp"));

        // Lossless output: outside each working frame's mask (scaled up, grown by one working pixel) the luma is
        // byte-identical to the decoded source; inside, the drag changed it.
        var a = SourceVideos.Decode(src, "yuv420p");
        var b = SourceVideos.Decode(dst, "yuv420p");
        Assert.Equal(a.Count, b.Count);
        for (int k = 0; k < report.WorkingFrameSourceIndices.Count; k++)
        {
            int f = report.WorkingFrameSourceIndices[k];
            var mask = report.WorkingInstruction.Frames[k].Mask;
            int outsideDiffs = 0, insideDiffs = 0;
            for (int y = 0; y < 240; y++)
            {
                for (int x = 0; x < 320; x++)
                {
                    bool differs = a[f][y * 320 + x] != b[f][y * 320 + x];
                    bool near = NearMask(mask, (x + 0.5f) * mask.Width / 320f - 0.5f, (y + 0.5f) * mask.Height / 240f - 0.5f);
                    if (differs && !near) outsideDiffs++;
                    if (differs && near) insideDiffs++;
                }
            }
            Assert.True(outsideDiffs == 0, $"frame {f}: {outsideDiffs} luma samples outside the editable region changed");
            Assert.True(insideDiffs > 100, $"frame {f}: only {insideDiffs} luma samples changed inside the editable region");
        }
    }

    private static bool NearMask(BinaryMask m, float u, float v)
    {
        for (int dy = -1; dy <= 2; dy++)
            for (int dx = -1; dx <= 2; dx++)
            {
                int x = (int)MathF.Floor(u) + dx, y = (int)MathF.Floor(v) + dy;
                if (x >= 0 && y >= 0 && x < m.Width && y < m.Height && m[x, y]) return true;
            }
        return false;
    }

    [Fact]
    public async Task EditFile_OddFrameSizeRgbSource_KeepsTheSize_InYuv444_AndSaysSo()
    {
        // An RGB source of odd size (testsrc2 only makes even sizes, and 4:2:0 filters round odd sizes down).
        string src = _videos.PathOf("odd.nut");
        SourceVideos.Ffmpeg($"-f lavfi -i testsrc2=size=162x122:rate=25:duration=0.6 -vf format=rgb24,crop=161:121:0:0 -c:v rawvideo -pix_fmt rgb24 {src}");
        string dst = _videos.PathOf("odd-edited.mkv");
        var report = await QuickEditor().EditFileAsync(src, dst, CentreDrag(161, 121, 14));
        var info = StreamingProbe.Probe(dst);
        Assert.Equal((161, 121, 15, "yuv444p"), (info.Width, info.Height, info.FrameCountHint, info.PixelFormat));
        Assert.Contains(report.Notes, n => n.Contains("odd", StringComparison.Ordinal));
        Assert.Equal(AudioOutcome.NoAudio, report.Audio);
    }

    [Fact]
    public async Task EditFile_RotatedSource_IsEditedAsDisplayed_AndWrittenUpright()
    {
        string plain = _videos.PathOf("plain.mp4");
        SourceVideos.Ffmpeg($"-f lavfi -i testsrc2=size=160x96:rate=20:duration=0.5 -c:v libx264 -preset ultrafast -pix_fmt yuv420p {plain}");
        string src = _videos.PathOf("rotated.mp4");
        SourceVideos.Ffmpeg($"-i {plain} -c copy -metadata:s:v:0 rotate=90 {src}");
        var probed = StreamingProbe.Probe(src);
        Assert.Equal((96, 160, 90), (probed.Width, probed.Height, probed.RotationDegrees));

        string dst = _videos.PathOf("rotated-edited.mp4");
        var report = await QuickEditor().EditFileAsync(src, dst, CentreDrag(96, 160, 9));
        var info = StreamingProbe.Probe(dst);
        Assert.Equal((96, 160, 0), (info.Width, info.Height, info.RotationDegrees));
        Assert.Contains(report.Notes, n => n.Contains("rotated by 90°", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EditFile_VariableFrameRate_IsRefusedWhenAsked_AndOtherwiseConvertedWithANote()
    {
        string src = _videos.PathOf("vfr.mkv");
        SourceVideos.Ffmpeg($"-f lavfi -i testsrc2=size=160x120:rate=30:duration=2 -vf setpts=if(lt(N\\,30)\\,N\\,30+(N-30)*2)/30/TB -fps_mode vfr -c:v libx264 -preset ultrafast {src}");
        Assert.True(StreamingProbe.Probe(src).IsVariableFrameRate);
        var refuse = QuickEditor(new FullResolutionOptions { VariableFrameRate = VariableFrameRateHandling.Refuse });
        var e = await Assert.ThrowsAsync<InvalidMediaException>(() => refuse.EditFileAsync(src, _videos.PathOf("vfr-out.mp4"), CentreDrag(160, 120, 10)));
        Assert.Contains("variable frame rate", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_videos.PathOf("vfr-out.mp4")));

        var report = await QuickEditor().EditFileAsync(src, _videos.PathOf("vfr-out.mp4"), CentreDrag(160, 120, 10));
        Assert.Contains(report.Notes, n => n.Contains("variable frame rate", StringComparison.Ordinal));
        Assert.Equal(report.FrameCount, StreamingProbe.Probe(_videos.PathOf("vfr-out.mp4")).FrameCountHint);
    }

    [Fact]
    public async Task EditFile_OverTheMemoryBudget_IsRefusedBeforeAnyWork()
    {
        string src = _videos.PatternWithAudio();
        var editor = QuickEditor(new FullResolutionOptions { MemoryBudgetBytes = 16L << 20, KeyframeRate = null });
        var e = await Assert.ThrowsAsync<MemoryBudgetExceededException>(() => editor.EditFileAsync(src, _videos.PathOf("big.mp4"), CentreDrag(320, 240, 59)));
        Assert.Equal(nameof(FullResolutionOptions.MemoryBudgetBytes), e.Setting);
        Assert.True(e.RequiredBytes > e.BudgetBytes);
        Assert.Contains("memory budget", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_videos.PathOf("big.mp4")));
    }

    [Fact]
    public async Task EditFile_Cancelled_LeavesNoOutputAndNoTemporaryFile()
    {
        string src = _videos.PatternWithAudio();
        string dir = _videos.PathOf("cancel");
        Directory.CreateDirectory(dir);
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(new List<EditProgress>(), p => { if (p.Stage == EditStage.Warping && p.Step >= 10) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            QuickEditor().EditFileAsync(src, Path.Combine(dir, "x.mp4"), CentreDrag(320, 240, 59), progress, cts.Token));
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public async Task EditFile_BadArguments_ThrowTypedErrorsNamingTheProblem()
    {
        string src = _videos.PatternWithAudio();
        var editor = QuickEditor();
        var ext = await Assert.ThrowsAsync<ArgumentException>(() => editor.EditFileAsync(src, _videos.PathOf("x.gif"), CentreDrag(320, 240, 59)));
        Assert.Contains(".mp4", ext.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => editor.EditFileAsync(src, src, CentreDrag(320, 240, 59)));
        await Assert.ThrowsAsync<InvalidDragRequestException>(() => editor.EditFileAsync(src, _videos.PathOf("y.mp4"), CentreDrag(640, 480, 59)));
        await Assert.ThrowsAsync<FileNotFoundException>(() => editor.EditFileAsync(_videos.PathOf("missing.mp4"), _videos.PathOf("y.mp4"), CentreDrag(320, 240, 59)));
    }

    /// <summary>Collects reports synchronously (Progress&lt;T&gt; would post them to the thread pool, out of order).</summary>
    private sealed class SyncProgress(List<EditProgress> list, Action<EditProgress>? onReport = null) : IProgress<EditProgress>
    {
        public void Report(EditProgress value)
        {
            lock (list) list.Add(value);
            onReport?.Invoke(value);
        }
    }

    public void Dispose() => _videos.Dispose();
}
