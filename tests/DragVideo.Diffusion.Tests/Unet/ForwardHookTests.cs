using DragVideo.Testing;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Unet;

public class ForwardHookTests
{
    [Fact]
    public void Forward_hooks_on_leaf_layers_fire_during_a_backbone_pass_and_can_be_removed()
    {
        using var model = TinyDiffusion.Load();
        var layers = model.named_modules().Where(m => m.module is Linear or Conv2d).ToList();
        layers.Should().NotBeEmpty();
        var seen = new HashSet<string>();
        var removers = layers.Select(l => ((TorchSharp.torch.nn.Module<Tensor, Tensor>)l.module)
            .register_forward_hook((_, _, o) => { lock (seen) seen.Add(l.name); return o; })).ToList();

        using var noGrad = no_grad();
        using var x = randn(new long[] { 1, 4, 2, 16, 16 });
        using var text = TinyDiffusion.TextEmbedding();
        using (var eps = model.PredictNoise(x, tensor(501L), text)) { }

        // Every convolution and linear layer of the U-Net and its motion modules runs in a full pass, so hooks are a
        // reliable way to observe them (the benchmark's FLOP counter relies on this).
        seen.Should().HaveCount(layers.Count, "every leaf layer is invoked through call(), which runs hooks");
        foreach (var r in removers) r.remove();
        seen.Clear();
        using (var eps = model.PredictNoise(x, tensor(501L), text)) { }
        seen.Should().BeEmpty("removed hooks no longer fire");
    }
}
