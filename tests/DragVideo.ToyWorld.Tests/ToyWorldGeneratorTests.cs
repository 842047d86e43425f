using DragVideo.Testing;
using TorchSharp;
using Xunit;

namespace DragVideo.ToyWorld.Tests;

public sealed class ToyWorldGeneratorTests
{
    [Fact]
    public void SameSeedRendersBitIdenticalClipsAndOtherSeedsDiffer()
    {
        TorchRuntime.EnsureLoaded();
        using var a = ToyWorldGenerator.RenderClip(ToyWorldGenerator.SampleScene(42));
        using var b = ToyWorldGenerator.RenderClip(ToyWorldGenerator.SampleScene(42));
        using var c = ToyWorldGenerator.RenderClip(ToyWorldGenerator.SampleScene(43));
        Assert.Equal(new long[] { 16, 3, 64, 64 }, a.Frames.shape);
        Assert.Equal(0.0, TensorAssert.MaxAbsDiff(a.Frames, b.Frames));
        Assert.True(TensorAssert.MaxAbsDiff(a.Frames, c.Frames) > 0.1, "two seeds should give visibly different clips");
    }

    [Fact]
    public void ObjectsMoveBetweenFramesAndStayInsideTheFrame()
    {
        var options = ToyWorldOptions.Default;
        int moving = 0;
        for (int seed = 0; seed < 20; seed++)
        {
            var scene = ToyWorldGenerator.SampleScene(seed);
            Assert.InRange(scene.Objects.Count, options.MinObjects, options.MaxObjects);
            for (int i = 0; i < scene.Objects.Count; i++)
            {
                var first = ToyWorldGenerator.Pose(scene, i, 0);
                var last = ToyWorldGenerator.Pose(scene, i, options.Frames - 1);
                if (Math.Abs(first.X - last.X) + Math.Abs(first.Y - last.Y) > 1) moving++;
                for (int f = 0; f < options.Frames; f++)
                {
                    var p = ToyWorldGenerator.Pose(scene, i, f);
                    Assert.InRange(p.X, 0, options.Width);
                    Assert.InRange(p.Y, 0, options.Height);
                }
            }
        }
        Assert.True(moving >= 10, $"only {moving} objects moved by more than 1 px over 20 scenes");
    }

    [Fact]
    public void FrontObjectOccludesTheOnesBehindIt()
    {
        // Find a scene and frame where two objects overlap; the back one's visible coverage must be smaller than its own.
        for (int seed = 0; seed < 200; seed++)
        {
            var scene = ToyWorldGenerator.SampleScene(seed);
            if (scene.Objects.Count < 2) continue;
            for (int f = 0; f < scene.Options.Frames; f++)
            {
                float own = ToyWorldGenerator.ObjectCoverage(scene, 0, f).Sum();
                float visible = ToyWorldGenerator.VisibleCoverage(scene, 0, f).Sum();
                if (own - visible > 5) return;
            }
        }
        Assert.Fail("no occlusion in 200 scenes: objects never overlap");
    }

    [Theory]
    [InlineData(60, 64, "Width")]
    [InlineData(64, 12, "Height")]
    public void SizesThatAreNotMultiplesOf8AreRefusedNamingTheOption(int width, int height, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ToyWorldGenerator.SampleScene(1, new ToyWorldOptions { Width = width, Height = height }));
        Assert.Equal(name, e.ParamName);
        Assert.Contains("multiple of 8", e.Message);
    }

    [Fact]
    public void ZeroObjectsAreRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ToyWorldGenerator.SampleScene(1, new ToyWorldOptions { MinObjects = 0 }));
        Assert.Equal("MinObjects", e.ParamName);
    }

    [Fact]
    public void RenderFrameRefusesABufferOfTheWrongLength()
    {
        var scene = ToyWorldGenerator.SampleScene(1);
        var e = Assert.Throws<ArgumentException>(() => ToyWorldGenerator.RenderFrame(scene, 0, new float[10]));
        Assert.Equal("rgb", e.ParamName);
    }
}
