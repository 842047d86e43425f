using DragVideo.Diffusion.Modules.Attention;
using DragVideo.Diffusion.Modules.Common;
using DragVideo.Diffusion.Modules.Motion;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Unet;

/// <summary>
/// diffusers <c>UNetMidBlock2DCrossAttn</c>: <c>resnets.0</c>, then per layer <c>attentions.i</c> (→ <c>motion_modules.i</c>
/// in the motion variant) → <c>resnets.i+1</c>. Shape-preserving <c>[N, C, H, W]</c>.
/// </summary>
internal class UNetMidBlock2DCrossAttn : UNetBlock<UNetForwardContext, Tensor>
{
    private readonly ModuleList<Transformer2DModel> attentions;
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<TransformerTemporalModel>? motion_modules;

    /// <summary>Creates the image block.</summary>
    public UNetMidBlock2DCrossAttn(string path, int channels, UNetBlockSettings s, int numLayers = 1) : this(path, channels, s, numLayers, null) { }

    /// <summary>Creates the block, with motion modules when <paramref name="motion"/> is given.</summary>
    protected UNetMidBlock2DCrossAttn(string path, int channels, UNetBlockSettings s, int numLayers, MotionModuleOptions? motion)
        : base(nameof(UNetMidBlock2DCrossAttn), path)
    {
        attentions = new ModuleList<Transformer2DModel>();
        resnets = new ModuleList<ResnetBlock2D>(s.Resnet(channels, channels));
        for (int i = 0; i < numLayers; i++)
        {
            attentions.Add(s.Transformer(channels));
            resnets.Add(s.Resnet(channels, channels));
        }
        motion_modules = BuildMotionModules(motion, channels, numLayers);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override IEnumerable<(string Path, AttentionLayer Layer)> AttentionLayers() => InterleavedLayers(attentions, motion_modules);

    /// <summary>Runs the block on <paramref name="hidden"/> <c>[N, C, H, W]</c>.</summary>
    public override Tensor forward(Tensor hidden, UNetForwardContext ctx)
    {
        var h = RunResnet(resnets[0], hidden, ctx);
        for (int i = 0; i < attentions.Count; i++)
        {
            h = RunTransformer(attentions[i], h, ctx);
            h = ApplyMotion(motion_modules, i, h, ctx);
            h = RunResnet(resnets[i + 1], h, ctx);
        }
        return h;
    }
}
