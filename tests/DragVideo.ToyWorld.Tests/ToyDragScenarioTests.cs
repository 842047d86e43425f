using DragVideo.Testing;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Tests;

public sealed class ToyDragScenarioTests
{
    [Fact]
    public void GroundTruthDiffersFromTheOriginalOnlyInsideTheEditableMask()
    {
        TorchRuntime.EnsureLoaded();
        for (int seed = 0; seed < 6; seed++)
        {
            using var s = ToyDragScenario.Create(seed);
            using var scope = NewDisposeScope();
            var diff = (s.GroundTruth.Frames - s.Original.Frames).abs().amax(new long[] { 1 });  // [F, H, W]
            double insideChange = 0;
            for (int f = 0; f < s.Original.FrameCount; f++)
            {
                var mask = s.EditableMask(f).ToTensor();
                Assert.Equal(0f, (diff[f] * (1 - mask)).max().item<float>());
                insideChange += (diff[f] * mask).sum().item<float>();
            }
            Assert.True(insideChange > 10, $"scenario {seed}: the ground truth barely differs from the original ({insideChange})");
        }
    }

    [Fact]
    public void TargetsAreTheHandlesDisplacedByTheEditAndTheMaskHoldsBoth()
    {
        for (int seed = 0; seed < 10; seed++)
        {
            using var s = ToyDragScenario.Create(seed);
            Assert.InRange(s.DragLength, 0.05f * 64 - 0.01f, 0.18f * 64 + 0.01f);
            foreach (var key in s.Request.Keyframes)
            {
                Assert.Contains(key.FrameIndex, s.Keyframes);
                var centre = key.Pairs[0];
                Assert.Equal(centre.Handle.X + s.Edit.Dx, centre.Target.X, 3);
                Assert.Equal(centre.Handle.Y + s.Edit.Dy, centre.Target.Y, 3);
                Assert.Equal(s.Scales ? 2 : 1, key.Pairs.Count);
                foreach (var pair in key.Pairs)
                {
                    Assert.True(key.Mask![(int)MathF.Round(pair.Handle.X), (int)MathF.Round(pair.Handle.Y)], $"scenario {seed}: handle outside the mask");
                    Assert.True(key.Mask![(int)MathF.Round(pair.Target.X), (int)MathF.Round(pair.Target.Y)], $"scenario {seed}: target outside the mask");
                }
            }
        }
    }

    [Fact]
    public void EqualSeedsGiveEqualScenarios()
    {
        using var a = ToyDragScenario.Create(11);
        using var b = ToyDragScenario.Create(11);
        Assert.Equal(a.Edit, b.Edit);
        Assert.Equal(a.Keyframes, b.Keyframes);
        Assert.Equal(0.0, TensorAssert.MaxAbsDiff(a.GroundTruth.Frames, b.GroundTruth.Frames));
    }

    [Fact]
    public void GroundTruthScoresItselfAtTheCapAndTheUneditedClipFarBelow()
    {
        using var s = ToyDragScenario.Create(5);
        var exact = ToyGroundTruthScore.Compute(s, s.GroundTruth);
        Assert.Equal(ToyGroundTruthScore.PsnrCap, exact.PsnrInsideMask);
        var unedited = ToyGroundTruthScore.Compute(s, s.Original);
        Assert.True(unedited.PsnrInsideMask < 25, $"an unedited clip scored {unedited.PsnrInsideMask:0.0} dB inside the mask");
        Assert.Equal(ToyGroundTruthScore.PsnrCap, unedited.PsnrOutsideMask); // nothing outside the mask changes
    }

    [Fact]
    public void ScoreRefusesAClipOfAnotherShape()
    {
        using var s = ToyDragScenario.Create(5);
        using var small = new VideoClip(torch.zeros(4, 3, 64, 64), 8);
        var e = Assert.Throws<ArgumentException>(() => ToyGroundTruthScore.Compute(s, small));
        Assert.Equal("edited", e.ParamName);
    }

    [Fact]
    public void BadScenarioOptionsAreRefusedNamingTheOption()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ToyDragScenario.Create(1, new ToyScenarioOptions { MaxDragFraction = 0.01f }));
        Assert.Equal("MaxDragFraction", e.ParamName);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => ToyDragScenario.Create(1, new ToyScenarioOptions { World = new ToyWorldOptions { Frames = 1 } }));
        Assert.Equal("World", e.ParamName);
    }
}
