using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>
/// diffusers <c>Upsample2D</c>: nearest-neighbour ×2 (or to an explicit size) followed by a 3×3 <c>conv</c>.
/// <c>[N, C, H, W] → [N, C_out, 2H, 2W]</c>. bfloat16 inputs are interpolated in float32, as diffusers does.
/// </summary>
internal sealed class Upsample2D : nn.Module<Tensor, long[]?, Tensor>
{
    private readonly Conv2d? conv;

    /// <summary>Creates the upsampler.</summary>
    public Upsample2D(int channels, bool useConv = true, int? outChannels = null) : base(nameof(Upsample2D))
    {
        if (useConv) conv = nn.Conv2d(channels, outChannels ?? channels, kernel_size: 3, stride: 1, padding: 1);
        RegisterComponents();
    }

    /// <summary>Upsamples <paramref name="hiddenStates"/>; <paramref name="outputSize"/> (H, W) overrides the ×2 factor.</summary>
    public override Tensor forward(Tensor hiddenStates, long[]? outputSize)
    {
        var dtype = hiddenStates.dtype;
        var h = dtype == ScalarType.BFloat16 ? hiddenStates.to_type(ScalarType.Float32) : hiddenStates;
        h = outputSize is null
            ? nn.functional.interpolate(h, scale_factor: new[] { 2.0, 2.0 }, mode: InterpolationMode.Nearest)
            : nn.functional.interpolate(h, size: outputSize, mode: InterpolationMode.Nearest);
        if (dtype == ScalarType.BFloat16) h = h.to_type(dtype);
        return conv is null ? h : conv.call(h);
    }
}
