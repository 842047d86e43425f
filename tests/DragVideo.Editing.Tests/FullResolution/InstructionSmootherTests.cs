using DragVideo.Editing.FullResolution;
using DragVideo.Tracking;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.FullResolution;

public sealed class InstructionSmootherTests
{
    private static readonly InstructionSmoother Smoother = new(InstructionSmoothingOptions.Default, new PyramidalOpticalFlow());

    [Fact]
    public void SmoothTrack_ConstantVelocity_IsReproducedWithoutLag()
    {
        var track = Enumerable.Range(0, 20).Select(t => (3f + 2.5f * t, 40f - 1.25f * t)).ToArray();
        var smooth = Smoother.SmoothTrack(track, new HashSet<int>());
        for (int t = 0; t < track.Length; t++)
        {
            Assert.Equal(track[t].Item1, smooth[t].X, 3);
            Assert.Equal(track[t].Item2, smooth[t].Y, 3);
        }
    }

    [Fact]
    public void SmoothTrack_ASingleTrackerOutlier_IsReplacedByTheLineOfItsNeighbours()
    {
        var track = Enumerable.Range(0, 15).Select(t => (10f + 2f * t, 20f)).ToArray();
        track[7] = (track[7].Item1 + 9f, 28f);
        var smooth = Smoother.SmoothTrack(track, new HashSet<int>());
        Assert.Equal(24f, smooth[7].X, 1);
        Assert.Equal(20f, smooth[7].Y, 1);
        Assert.Equal(22f, smooth[6].X, 1);
    }

    [Fact]
    public void SmoothTrack_JitterIsReduced_AndKeyFramesStayExact()
    {
        var rng = new Random(5);
        var truth = Enumerable.Range(0, 40).Select(t => (50f + 1.5f * t, 30f + 0.5f * t)).ToArray();
        var noisy = truth.Select(p => (p.Item1 + (float)(rng.NextDouble() - 0.5) * 1.2f, p.Item2 + (float)(rng.NextDouble() - 0.5) * 1.2f)).ToArray();
        var keys = new HashSet<int> { 0, 39 };
        var smooth = Smoother.SmoothTrack(noisy, keys);
        double Error((float, float)[] a) => a.Select((p, t) => Math.Abs(p.Item1 - truth[t].Item1) + Math.Abs(p.Item2 - truth[t].Item2)).Average();
        var asTuples = smooth.Select(p => (p.X, p.Y)).ToArray();
        Assert.True(Error(asTuples) < 0.7 * Error(noisy), $"smoothed error {Error(asTuples):0.000} vs raw {Error(noisy):0.000}");
        Assert.Equal(noisy[0], (smooth[0].X, smooth[0].Y));
        Assert.Equal(noisy[39], (smooth[39].X, smooth[39].Y));
    }

    [Fact]
    public void Options_OutOfRange_ThrowNamingTheOption()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new InstructionSmoothingOptions { PointRadius = -1 }.Validate());
        Assert.Equal("PointRadius", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new FullResolutionOptions { Preset = "warp9" }.Validate());
        Assert.Equal("Preset", e.ParamName);
    }

    /// <summary>A smooth random texture, <c>[3, 64 + 2·pad, 64 + 2·pad]</c>, to shift for known motion.</summary>
    private static Tensor Texture(int pad)
    {
        using var g = new Generator(11);
        var noise = torch.rand(new long[] { 1, 3, 16 + pad, 16 + pad }, generator: g);
        return nn.functional.interpolate(noise, new long[] { 64 + 2 * pad, 64 + 2 * pad }, mode: InterpolationMode.Bilinear, align_corners: true)[0];
    }

    private static PropagatedInstruction StaticHandles(int frames) => new(Enumerable.Range(0, frames)
        .Select(f => new FrameInstruction(f, new[] { new DragPair(new DragPoint(32, 32), new DragPoint(38, 30)) },
            BinaryMask.FromFunction(64, 64, (x, y) => x >= 12 && x < 52 && y >= 12 && y < 52), new[] { true }, new[] { 1f }))
        .ToArray());

    [Fact]
    public void DisagreementMaps_APasserByInTheRegion_IsMarked_AndTheStillBackgroundIsNot()
    {
        using var scope = NewDisposeScope();
        var background = Texture(0);
        var frames = Enumerable.Range(0, 3).Select(f =>
        {
            var frame = background.clone();
            frame[TensorIndex.Colon, TensorIndex.Slice(20, 30), TensorIndex.Slice(14 + 4 * f, 24 + 4 * f)] = torch.tensor(new[] { 1f, 0.1f, 0.1f }).reshape(3, 1, 1);
            return frame;
        }).ToArray();
        using var clip = new VideoClip(torch.stack(frames), 10);
        var maps = Smoother.DisagreementMaps(clip, StaticHandles(3), CancellationToken.None)!;
        var map = maps[0]!;
        Assert.True(map[TensorIndex.Slice(22, 28), TensorIndex.Slice(16, 22)].mean().item<float>() > 0.5f, "the passer-by is not marked");
        Assert.True(map[TensorIndex.Slice(36, 50), TensorIndex.Slice(14, 50)].mean().item<float>() < 0.1f, "the still background is marked");
    }

    [Fact]
    public void DisagreementMaps_WhenMostOfTheRegionDisagrees_TheHandlesAreDistrusted_AndNothingIsExcluded()
    {
        // The whole picture pans 3 px a frame while the handles stay put (a tracker that lost the content): excluding
        // the majority would silently undo the drag, so the frame keeps its whole field.
        using var scope = NewDisposeScope();
        var wide = Texture(8);
        using var clip = new VideoClip(torch.stack(Enumerable.Range(0, 3)
            .Select(f => wide[TensorIndex.Colon, TensorIndex.Slice(8, 72), TensorIndex.Slice(3 * f, 3 * f + 64)].contiguous()).ToArray()), 10);
        var maps = Smoother.DisagreementMaps(clip, StaticHandles(3), CancellationToken.None)!;
        Assert.All(maps, Assert.Null);
        var strict = new InstructionSmoother(InstructionSmoothingOptions.Default with { MaxDisagreementFraction = 1 }, new PyramidalOpticalFlow());
        Assert.NotNull(strict.DisagreementMaps(clip, StaticHandles(3), CancellationToken.None)![0]);
    }
}
