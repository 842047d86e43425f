using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DragVideo.Diffusion.Modules.Vae;

/// <summary>
/// diffusers' <c>DownEncoderBlock2D</c>: <c>resnets.*</c> then an optional <c>downsamplers.0</c>.
/// <c>[N, C_in, H, W]</c> → <c>[N, C_out, H/2, W/2]</c> (or H, W for the last level).
/// </summary>
internal sealed class DownEncoderBlock2D : Module<Tensor, Tensor>
{
    private readonly ModuleList<VaeResnetBlock2D> resnets;
    private readonly ModuleList<VaeDownsample2D>? downsamplers;

    /// <summary>Creates the block.</summary>
    public DownEncoderBlock2D(long inChannels, long outChannels, int numLayers, long groups, double eps, bool addDownsample)
        : base(nameof(DownEncoderBlock2D))
    {
        resnets = new ModuleList<VaeResnetBlock2D>();
        for (int i = 0; i < numLayers; i++) resnets.Add(new VaeResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, groups, eps));
        if (addDownsample) downsamplers = new ModuleList<VaeDownsample2D>(new VaeDownsample2D(outChannels));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => VaeChain.Run(input, resnets.Cast<Module<Tensor, Tensor>>()
        .Concat(downsamplers?.Cast<Module<Tensor, Tensor>>() ?? Enumerable.Empty<Module<Tensor, Tensor>>()));
}

/// <summary>
/// diffusers' <c>UpDecoderBlock2D</c>: <c>resnets.*</c> (layers_per_block + 1) then an optional <c>upsamplers.0</c>.
/// <c>[N, C_in, H, W]</c> → <c>[N, C_out, 2H, 2W]</c> (or H, W for the last level).
/// </summary>
internal sealed class UpDecoderBlock2D : Module<Tensor, Tensor>
{
    private readonly ModuleList<VaeResnetBlock2D> resnets;
    private readonly ModuleList<VaeUpsample2D>? upsamplers;

    /// <summary>Creates the block.</summary>
    public UpDecoderBlock2D(long inChannels, long outChannels, int numLayers, long groups, double eps, bool addUpsample)
        : base(nameof(UpDecoderBlock2D))
    {
        resnets = new ModuleList<VaeResnetBlock2D>();
        for (int i = 0; i < numLayers; i++) resnets.Add(new VaeResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, groups, eps));
        if (addUpsample) upsamplers = new ModuleList<VaeUpsample2D>(new VaeUpsample2D(outChannels));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => VaeChain.Run(input, resnets.Cast<Module<Tensor, Tensor>>()
        .Concat(upsamplers?.Cast<Module<Tensor, Tensor>>() ?? Enumerable.Empty<Module<Tensor, Tensor>>()));
}

/// <summary>
/// diffusers' <c>UNetMidBlock2D</c> without time embedding: <c>resnets.0</c>, then (<c>attentions.0</c>,
/// <c>resnets.1</c>). Shape-preserving <c>[N, C, H, W]</c>.
/// </summary>
internal sealed class VaeMidBlock2D : Module<Tensor, Tensor>
{
    private readonly ModuleList<VaeResnetBlock2D> resnets;
    private readonly ModuleList<VaeAttention>? attentions;

    /// <summary>Creates the mid block.</summary>
    public VaeMidBlock2D(long channels, long groups, double eps, bool addAttention) : base(nameof(VaeMidBlock2D))
    {
        resnets = new ModuleList<VaeResnetBlock2D>(new VaeResnetBlock2D(channels, channels, groups, eps),
            new VaeResnetBlock2D(channels, channels, groups, eps));
        if (addAttention) attentions = new ModuleList<VaeAttention>(new VaeAttention(channels, groups, eps));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var chain = new List<Module<Tensor, Tensor>> { resnets[0] };
        if (attentions is not null) chain.Add(attentions[0]);
        chain.Add(resnets[1]);
        return VaeChain.Run(input, chain);
    }
}

/// <summary>Runs modules in sequence, releasing each intermediate once the next has consumed it.</summary>
internal static class VaeChain
{
    public static Tensor Run(Tensor input, IEnumerable<Module<Tensor, Tensor>> modules)
    {
        Tensor current = input;
        foreach (var m in modules)
        {
            var next = m.call(current);
            if (!ReferenceEquals(current, input)) current.Dispose();
            current = next;
        }
        return ReferenceEquals(current, input) ? input.alias() : current;
    }
}
