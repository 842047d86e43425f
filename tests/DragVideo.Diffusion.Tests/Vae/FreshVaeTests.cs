using DragVideo.Diffusion.Modules.Vae;
using DragVideo.Testing;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Vae;

public class FreshVaeTests
{
    [Fact]
    public void Freshly_built_vae_has_unit_group_norms_and_decodes_to_finite_values()
    {
        TorchRuntime.EnsureLoaded();
        using var vae = new AutoencoderKL(AutoencoderKLConfig.FromJsonFile(Fixtures.PathOf("vae", "config.json")));
        var norms = vae.modules().OfType<GroupNorm>().ToList();
        norms.Should().NotBeEmpty();
        foreach (var norm in norms)
        {
            // TorchSharp 0.107 leaves nn.GroupNorm's affine parameters uninitialised; ours must be 1 and 0 like PyTorch.
            norm.weight!.eq(1).all().item<bool>().Should().BeTrue();
            norm.bias!.eq(0).all().item<bool>().Should().BeTrue();
        }
        using var noGrad = no_grad();
        using var z = randn(1, 4, 16, 16, generator: new TorchSharp.torch.Generator(3));
        using var x = vae.Decode(z);
        x.isfinite().all().item<bool>().Should().BeTrue();
    }
}
