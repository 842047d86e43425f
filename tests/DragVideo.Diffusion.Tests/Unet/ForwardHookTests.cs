using DragVideo.Testing;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Unet;

public class ForwardHookTests
{
    [Fact]
    public void Every_module_of_the_video_unet_fires_its_forward_hook_including_blocks_mid_block_and_time_projection()
    {
        using var model = TinyDiffusion.Load();
        var seen = new HashSet<string>();
        var removers = new List<Action>();
        var hookable = new List<string>();
        foreach (var (name, module) in model.named_modules())
        {
            if (ForwardHooks.TryRegister(module, _ => { lock (seen) seen.Add(name); }, out var remove))
            {
                hookable.Add(name);
                removers.Add(remove);
            }
            else
            {
                var type = module.GetType();
                (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ModuleList<>)).Should()
                    .BeTrue($"'{name}' ({type.Name}) is not a container, so it must be a typed module whose hooks fire");
            }
        }
        hookable.Should().Contain(new[] { "time_proj", "time_embedding", "conv_in", "down_blocks.0", "mid_block", "up_blocks.1",
            "mid_block.motion_modules.0", "up_blocks.1.attentions.0.transformer_blocks.0.attn1" });

        using var noGrad = no_grad();
        using var x = randn(new long[] { 1, 4, 2, 16, 16 });
        using var text = TinyDiffusion.TextEmbedding();
        using (var eps = model.PredictNoise(x, tensor(501L), text)) { }

        // Every module runs in a full pass and is invoked through call(), so hooks observe all of them (parity tests
        // and the benchmark's FLOP counter rely on this).
        seen.Should().BeEquivalentTo(hookable, "every module is invoked through call(), which runs hooks");
        foreach (var remove in removers) remove();
        seen.Clear();
        using (var eps = model.PredictNoise(x, tensor(501L), text)) { }
        seen.Should().BeEmpty("removed hooks no longer fire");
    }
}
