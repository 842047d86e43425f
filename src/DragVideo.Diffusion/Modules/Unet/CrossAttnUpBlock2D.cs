using DragVideo.Diffusion.Modules.Attention;
using DragVideo.Diffusion.Modules.Common;
using DragVideo.Diffusion.Modules.Motion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Unet;

/// <summary>
/// diffusers <c>CrossAttnUpBlock2D</c>: per layer, concatenate the next skip (last first), <c>resnets.i</c>,
/// <c>attentions.i</c> (→ <c>motion_modules.i</c> in the motion variant); then an optional <c>upsamplers.0</c>.
/// </summary>
internal class CrossAttnUpBlock2D : UNetUpBlock
{
    private readonly ModuleList<Transformer2DModel> attentions;
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<TransformerTemporalModel>? motion_modules;
    private readonly ModuleList<Upsample2D>? upsamplers;

    /// <summary>Creates the image block.</summary>
    public CrossAttnUpBlock2D(string path, int inChannels, int prevOutputChannels, int outChannels, int numLayers, bool addUpsample, UNetBlockSettings s)
        : this(path, inChannels, prevOutputChannels, outChannels, numLayers, addUpsample, s, null) { }

    /// <summary>Creates the block, with motion modules when <paramref name="motion"/> is given.</summary>
    protected CrossAttnUpBlock2D(string path, int inChannels, int prevOutputChannels, int outChannels, int numLayers, bool addUpsample,
        UNetBlockSettings s, MotionModuleOptions? motion) : base(nameof(CrossAttnUpBlock2D), path)
    {
        attentions = new ModuleList<Transformer2DModel>();
        resnets = new ModuleList<ResnetBlock2D>();
        for (int i = 0; i < numLayers; i++)
        {
            int skipChannels = i == numLayers - 1 ? inChannels : outChannels;
            int resnetIn = i == 0 ? prevOutputChannels : outChannels;
            resnets.Add(s.Resnet(resnetIn + skipChannels, outChannels));
            attentions.Add(s.Transformer(outChannels));
        }
        motion_modules = BuildMotionModules(motion, outChannels, numLayers);
        if (addUpsample)
            upsamplers = new ModuleList<Upsample2D>(new Upsample2D(outChannels, useConv: true, outChannels));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override int ResnetCount => resnets.Count;

    /// <inheritdoc />
    public override bool HasUpsampler => upsamplers is not null;

    /// <inheritdoc />
    public override IEnumerable<(string Path, AttentionLayer Layer)> AttentionLayers() => InterleavedLayers(attentions, motion_modules);

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden, UNetUpBlockArgs args)
    {
        var (skips, ctx, upsampleSize) = args;
        var h = hidden;
        for (int i = 0; i < resnets.Count; i++)
        {
            var skip = skips[skips.Count - 1 - i];
            h = torch.cat(new[] { h, skip }, dim: 1);
            h = RunResnet(resnets[i], h, ctx);
            h = RunTransformer(attentions[i], h, ctx);
            h = ApplyMotion(motion_modules, i, h, ctx);
        }
        if (upsamplers is not null)
            foreach (var u in upsamplers) h = u.call(h, upsampleSize);
        return h;
    }
}
