using DragVideo.Diffusion.Modules.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DragVideo.Diffusion.Modules.Vae;

/// <summary>
/// diffusers' VAE <c>Encoder</c> (double_z): <c>conv_in</c>, <c>down_blocks.*</c>, <c>mid_block</c>,
/// <c>conv_norm_out</c> → SiLU → <c>conv_out</c>. <c>[N, 3, H, W]</c> → moments <c>[N, 2·latent, H/f, W/f]</c>.
/// </summary>
internal sealed class VaeEncoder : Module<Tensor, Tensor>
{
    private const double Eps = 1e-6;
    private readonly Conv2d conv_in;
    private readonly ModuleList<DownEncoderBlock2D> down_blocks;
    private readonly VaeMidBlock2D mid_block;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;

    /// <summary>Builds the encoder of <paramref name="config"/>.</summary>
    public VaeEncoder(AutoencoderKLConfig config) : base(nameof(VaeEncoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        var ch = config.BlockOutChannels;
        conv_in = Conv2d(config.InChannels, ch[0], 3, padding: 1);
        down_blocks = new ModuleList<DownEncoderBlock2D>();
        long output = ch[0];
        for (int i = 0; i < ch.Count; i++)
        {
            long input = output;
            output = ch[i];
            down_blocks.Add(new DownEncoderBlock2D(input, output, config.LayersPerBlock, config.NormNumGroups, Eps, addDownsample: i < ch.Count - 1));
        }
        mid_block = new VaeMidBlock2D(ch[^1], config.NormNumGroups, Eps, config.MidBlockAddAttention);
        conv_norm_out = Normalization.GroupNorm(config.NormNumGroups, ch[^1], Eps);
        conv_out = Conv2d(ch[^1], 2L * config.LatentChannels, 3, padding: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var modules = new List<Module<Tensor, Tensor>> { conv_in };
        modules.AddRange(down_blocks);
        modules.Add(mid_block);
        modules.Add(conv_norm_out);
        using var normed = VaeChain.Run(input, modules);
        using var activated = functional.silu(normed);
        return conv_out.call(activated);
    }
}

/// <summary>
/// diffusers' VAE <c>Decoder</c>: <c>conv_in</c>, <c>mid_block</c>, <c>up_blocks.*</c> (reversed widths,
/// layers_per_block + 1 resnets each), <c>conv_norm_out</c> → SiLU → <c>conv_out</c>.
/// <c>[N, latent, h, w]</c> → <c>[N, 3, h·f, w·f]</c>.
/// </summary>
internal sealed class VaeDecoder : Module<Tensor, Tensor>
{
    private const double Eps = 1e-6;
    private readonly Conv2d conv_in;
    private readonly VaeMidBlock2D mid_block;
    private readonly ModuleList<UpDecoderBlock2D> up_blocks;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;

    /// <summary>Builds the decoder of <paramref name="config"/>.</summary>
    public VaeDecoder(AutoencoderKLConfig config) : base(nameof(VaeDecoder))
    {
        ArgumentNullException.ThrowIfNull(config);
        var reversed = config.BlockOutChannels.Reverse().ToArray();
        conv_in = Conv2d(config.LatentChannels, reversed[0], 3, padding: 1);
        mid_block = new VaeMidBlock2D(reversed[0], config.NormNumGroups, Eps, config.MidBlockAddAttention);
        up_blocks = new ModuleList<UpDecoderBlock2D>();
        long output = reversed[0];
        for (int i = 0; i < reversed.Length; i++)
        {
            long prev = output;
            output = reversed[i];
            up_blocks.Add(new UpDecoderBlock2D(prev, output, config.LayersPerBlock + 1, config.NormNumGroups, Eps, addUpsample: i < reversed.Length - 1));
        }
        conv_norm_out = Normalization.GroupNorm(config.NormNumGroups, config.BlockOutChannels[0], Eps);
        conv_out = Conv2d(config.BlockOutChannels[0], config.OutChannels, 3, padding: 1);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var modules = new List<Module<Tensor, Tensor>> { conv_in, mid_block };
        modules.AddRange(up_blocks);
        modules.Add(conv_norm_out);
        using var normed = VaeChain.Run(input, modules);
        using var activated = functional.silu(normed);
        return conv_out.call(activated);
    }
}
