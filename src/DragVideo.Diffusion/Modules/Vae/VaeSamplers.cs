using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DragVideo.Diffusion.Modules.Vae;

/// <summary>
/// diffusers' <c>Downsample2D</c> as the VAE uses it (<c>padding=0</c>): pad right and bottom by one, then a 3×3
/// stride-2 <c>conv</c>. <c>[N, C, H, W]</c> → <c>[N, C, H/2, W/2]</c>.
/// </summary>
internal sealed class VaeDownsample2D : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    /// <summary>Creates the down-sampler.</summary>
    public VaeDownsample2D(long channels) : base(nameof(VaeDownsample2D))
    {
        conv = Conv2d(channels, channels, kernel_size: 3L, stride: 2L, padding: 0L);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var padded = functional.pad(input, new long[] { 0, 1, 0, 1 }, TorchSharp.PaddingModes.Constant, 0);
        return conv.call(padded);
    }
}

/// <summary>
/// diffusers' <c>Upsample2D</c> with a convolution: nearest-neighbour ×2, then a 3×3 <c>conv</c>.
/// <c>[N, C, H, W]</c> → <c>[N, C, 2H, 2W]</c>.
/// </summary>
internal sealed class VaeUpsample2D : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    /// <summary>Creates the up-sampler.</summary>
    public VaeUpsample2D(long channels) : base(nameof(VaeUpsample2D))
    {
        conv = Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var up = functional.interpolate(input, scale_factor: new[] { 2.0, 2.0 }, mode: InterpolationMode.Nearest);
        return conv.call(up);
    }
}
