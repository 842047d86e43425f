using System.Text.RegularExpressions;
using DragVideo.Testing;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Unet;

public class BlockUnitScopeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(GradientCheckpointing.Off)]
    [InlineData(GradientCheckpointing.Blocks)]
    public void A_graph_free_forward_keeps_only_each_units_output_alive_inside_a_block(GradientCheckpointing mode)
    {
        using var model = TinyDiffusion.Load();
        using var latent = TinyDiffusion.MovingBlobLatent(2, size: 8);
        using var text = TinyDiffusion.TextEmbedding();
        // The units of the first down block (resnets, transformers, motion modules), in forward order.
        var unitPath = new Regex(@"^down_blocks\.0\.(resnets|attentions|motion_modules)\.\d+$");
        var units = model.named_modules().Where(m => unitPath.IsMatch(m.name)).ToList();
        units.Count.Should().BeGreaterThanOrEqualTo(4, "the tiny model's first block has resnets, transformers and motion modules");
        var liveAfter = new List<(string Unit, long Live)>();
        var removers = new List<Action>();
        foreach (var (name, module) in units)
        {
            ForwardHooks.TryRegister(module, _ => liveAfter.Add((name, DisposeScopeManager.Statistics.ThreadTotalLiveCount)), out var remove)
                .Should().BeTrue($"{name} has a hookable forward");
            removers.Add(remove);
        }
        model.GradientCheckpointing = mode;
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            model.PredictNoise(latent, tensor(501L), text);
        }
        finally
        {
            model.GradientCheckpointing = GradientCheckpointing.Off;
            foreach (var r in removers) r();
        }

        liveAfter.Count.Should().Be(units.Count);
        foreach (var (unit, live) in liveAfter) output.WriteLine($"after {unit}: {live} live tensors");
        // A hook sees its unit's own intermediates (it runs before the unit returns), so compare units of the same kind:
        // between resnets.0 and resnets.1 (and likewise for the transformers and motion modules) three units ran, and
        // each may leave its output and a little bookkeeping behind, not the dozens of intermediates a transformer or
        // resnet creates — those go when the unit returns, not when the block does.
        var kinds = liveAfter.GroupBy(u => Regex.Replace(u.Unit, @"\.\d+$", "")).Where(g => g.Count() >= 2).ToList();
        kinds.Should().NotBeEmpty();
        foreach (var kind in kinds)
        {
            var (first, second) = (kind.First(), kind.Skip(1).First());
            int between = liveAfter.IndexOf(second) - liveAfter.IndexOf(first);
            (second.Live - first.Live).Should().BeLessThanOrEqualTo(3L * between,
                $"{between} units ran between {first.Unit} and {second.Unit}; a unit's intermediates must not outlive it in a graph-free forward ({mode})");
        }
    }
}
