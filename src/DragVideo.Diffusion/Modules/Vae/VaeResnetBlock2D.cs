using DragVideo.Diffusion.Modules.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DragVideo.Diffusion.Modules.Vae;

/// <summary>
/// diffusers' <c>ResnetBlock2D</c> without a time embedding (the VAE form): GroupNorm → SiLU → 3×3 conv, twice, plus a
/// 1×1 <c>conv_shortcut</c> when the channel count changes. Input/output <c>[N, C, H, W]</c>.
/// </summary>
internal sealed class VaeResnetBlock2D : Module<Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly GroupNorm norm2;
    private readonly Conv2d conv2;
    private readonly Conv2d? conv_shortcut;

    /// <summary>Creates the block.</summary>
    public VaeResnetBlock2D(long inChannels, long outChannels, long groups, double eps) : base(nameof(VaeResnetBlock2D))
    {
        norm1 = Normalization.GroupNorm(groups, inChannels, eps);
        conv1 = Conv2d(inChannels, outChannels, 3, padding: 1);
        norm2 = Normalization.GroupNorm(groups, outChannels, eps);
        conv2 = Conv2d(outChannels, outChannels, 3, padding: 1);
        if (inChannels != outChannels) conv_shortcut = Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        // Intermediates are released as soon as they are used: VAE activations at image resolution are large.
        Tensor h;
        using (var n1 = norm1.call(input))
        using (var a1 = functional.silu(n1))
            h = conv1.call(a1);
        using (var n2 = norm2.call(h))
        using (var a2 = functional.silu(n2))
        {
            h.Dispose();
            h = conv2.call(a2);
        }
        using (h)
        {
            if (conv_shortcut is null) return input + h;
            using var shortcut = conv_shortcut.call(input);
            return shortcut + h;
        }
    }
}
