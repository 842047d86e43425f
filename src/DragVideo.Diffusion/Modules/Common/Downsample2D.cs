using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>
/// diffusers <c>Downsample2D</c> with <c>name="op"</c> (parameters under <c>conv</c>): a stride-2 3×3 convolution, or
/// 2×2 average pooling without conv. With padding 0 the input is padded right/bottom by one (the VAE encoder's
/// asymmetric padding). <c>[N, C, H, W] → [N, C_out, H/2, W/2]</c>.
/// </summary>
internal sealed class Downsample2D : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> conv;
    private readonly bool _padAsymmetric;

    /// <summary>Creates the downsampler.</summary>
    public Downsample2D(int channels, bool useConv = true, int? outChannels = null, int padding = 1) : base(nameof(Downsample2D))
    {
        int outCh = outChannels ?? channels;
        if (useConv)
        {
            conv = nn.Conv2d(channels, outCh, kernel_size: 3, stride: 2, padding: padding);
            _padAsymmetric = padding == 0;
        }
        else
        {
            if (outCh != channels) throw new ArgumentException("Average-pool downsampling cannot change the channel count.", nameof(outChannels));
            conv = nn.AvgPool2d(kernel_size: 2, stride: 2);
        }
        RegisterComponents();
    }

    /// <summary>Halves the spatial size of <paramref name="hiddenStates"/> <c>[N, C, H, W]</c>.</summary>
    public override Tensor forward(Tensor hiddenStates)
    {
        var h = _padAsymmetric ? nn.functional.pad(hiddenStates, new long[] { 0, 1, 0, 1 }, PaddingModes.Constant, 0) : hiddenStates;
        return conv.call(h);
    }
}
