using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Modules.Vae;

namespace DragVideo.Diffusion.Tests.Vae;

[Trait("Category", "Slow")]
public sealed class Sd15SizeTests
{
    [Fact]
    public void Sd15_vae_and_text_encoder_build_with_the_real_parameter_counts()
    {
        using (var vae = new AutoencoderKL(AutoencoderKLConfig.StableDiffusion15))
        {
            vae.parameters().Sum(p => p.numel()).Should().Be(83_653_863);
            vae.state_dict().Should().HaveCount(248);
        }
        using var clip = new ClipTextModel(ClipTextConfig.StableDiffusion15);
        clip.parameters().Sum(p => p.numel()).Should().Be(123_060_480);
        clip.state_dict().Should().HaveCount(196);
    }
}
