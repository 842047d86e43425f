using DragVideo.Editing.FullResolution;
using DragVideo.Tracking;

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
}
