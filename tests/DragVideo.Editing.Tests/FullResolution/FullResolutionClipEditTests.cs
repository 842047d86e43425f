using DragVideo.Editing.Fast;
using DragVideo.Editing.FullResolution;
using DragVideo.Media.Streaming;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.FullResolution;

/// <summary>In-memory full-resolution edits and the pieces that need no ffmpeg.</summary>
public sealed class FullResolutionClipEditTests
{
    /// <summary>A 12-frame 192×144 clip: smooth texture with a bright square moving 2 px right per frame.</summary>
    private static VideoClip MovingSquare()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var ys = torch.arange(144, dtype: ScalarType.Float32).reshape(144, 1);
        var xs = torch.arange(192, dtype: ScalarType.Float32).reshape(1, 192);
        var frames = new List<Tensor>();
        for (int f = 0; f < 12; f++)
        {
            var bg = (torch.sin(xs * 0.21f + ys * 0.13f) * 0.2f + 0.4f).expand(144, 192);
            var img = torch.stack(new[] { bg, bg * 0.8f, bg * 0.6f }, 0).clone();
            int x0 = 60 + 2 * f;
            img[TensorIndex.Colon, TensorIndex.Slice(60, 84), TensorIndex.Slice(x0, x0 + 24)] = torch.tensor(0.95f);
            frames.Add(img);
        }
        return new VideoClip(torch.stack(frames, 0).MoveToOuterDisposeScope(), 12);
    }

    [Fact]
    public async Task EditClip_KeepsShape_LeavesPixelsOutsideTheChangedRegionBitExact_AndChangesInside()
    {
        using var clip = MovingSquare();
        var mask = BinaryMask.FromFunction(192, 144, (x, y) => x >= 40 && x < 130 && y >= 40 && y < 104);
        var request = new DragRequest(new[]
        {
            new KeyframeDrag(0, new[] { new DragPair(new DragPoint(72, 72), new DragPoint(72, 62)) }, mask),
            new KeyframeDrag(11, new[] { new DragPair(new DragPoint(94, 72), new DragPoint(94, 62)) }, mask),
        });
        var editor = new FullResolutionEditor(new FastWarpDragEditor(), new FullResolutionOptions { WorkingWidth = 96, KeyframeRate = 4 });
        using var result = await editor.EditClipAsync(clip, request);

        Assert.Equal(clip.Frames.shape, result.EditedClip.Frames.shape);
        Assert.Equal(12, result.Instruction.Frames.Count);
        for (int f = 0; f < 12; f++)
        {
            var changedRegion = result.Instruction.Frames[f].Mask.ToTensor().gt(0.5f);
            var same = result.EditedClip.Frames[f].eq(clip.Frames[f]).all(0);
            Assert.True(same.logical_or(changedRegion).all().item<bool>(), $"frame {f}: a pixel outside the changed region differs");
            Assert.True(changedRegion.any().item<bool>(), $"frame {f}: nothing was edited");
            Assert.False(same.all().item<bool>(), $"frame {f}: the frame is unchanged");
        }
        // The square's top edge moved up by about 10 px: the row above it is now bright where it was background.
        Assert.True(result.EditedClip.Frames[0, 0, 54, 72].item<float>() > 0.9f);
        Assert.True(result.EditedClip.Frames[5, 0, 54, 82].item<float>() > 0.9f, "an interpolated frame between key frames follows the moving square");
    }

    [Fact]
    public void MapRequest_SourcePixelsToWorkingPixels_AlignsPixelCentres()
    {
        var g = WorkingGeometry.For(1280, 720, 320, 2);
        Assert.Equal((320, 180), (g.Width, g.Height));
        var p = g.ToWorking(new DragPoint(641.5f, 361.5f));
        Assert.Equal(160f, p.X, 4);
        Assert.Equal(90f, p.Y, 4);
        var back = g.ToSource(p);
        Assert.Equal(641.5f, back.X, 3);
    }

    [Fact]
    public void WorkingFrameSelector_KeepsTheSampledFramesAndEveryKeyFrame()
    {
        var s = new WorkingFrameSelector(30, 10, new[] { 7 });
        var picked = Enumerable.Range(0, 13).Where(s.IsSelected).ToArray();
        Assert.Equal(new[] { 0, 3, 6, 7, 9, 12 }, picked);
        Assert.True(new WorkingFrameSelector(30, null, Array.Empty<int>()).IsSelected(5));
    }

    [Theory]
    [InlineData("yuv420p", 320, 240, "yuv420p", false)]
    [InlineData("yuv420p", 321, 241, "yuv444p", true)]
    [InlineData("yuvj422p", 320, 241, "yuvj422p", false)]
    [InlineData("yuv422p", 321, 240, "yuv444p", true)]
    [InlineData("rgb24", 320, 240, "yuv420p", true)]
    [InlineData("yuv420p10le", 321, 240, "yuv444p", true)]
    public void ChooseProcessingFormat_KeepsTheSourceFormatWhereH264CanStoreIt(string source, int w, int h, string expected, bool noted)
    {
        var (format, note) = PlanarLayout.ChooseProcessingFormat(source, w, h);
        Assert.Equal(expected, format);
        Assert.Equal(noted, note is not null);
    }

    [Fact]
    public void PlanarLayout_OddSize420_HasRoundedUpChromaPlanes()
    {
        var l = PlanarLayout.For("yuv420p", 5, 3);
        Assert.Equal(new[] { (0, 5, 3), (15, 3, 2), (21, 3, 2) }, l.Planes.Select(p => (p.Offset, p.Width, p.Height)));
        Assert.Equal(27, l.FrameBytes);
    }

    [Theory]
    [InlineData(new[] { 0.0, 0.1, 0.2, 0.3, 0.4, 0.5 }, false)]
    [InlineData(new[] { 0.0, 0.1, 0.2, 0.35, 0.4, 0.5, 0.6, 0.75, 0.8 }, true)]
    public void IsUneven_DetectsAVariableFrameRate(double[] timestamps, bool expected)
    {
        Assert.Equal(expected, StreamingProbe.IsUneven(timestamps));
    }
}
