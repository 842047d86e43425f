using DragVideo.Diffusion.Modules.Attention;
using DragVideo.Diffusion.Modules.Common;
using DragVideo.Diffusion.Modules.Motion;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Unet;

/// <summary>
/// diffusers <c>DownBlock2D</c>: <c>resnets</c> (each followed by <c>motion_modules.i</c> in the motion variant), each
/// output a skip, then an optional <c>downsamplers.0</c>. <c>[N, C_in, H, W] → [N, C_out, H', W']</c>.
/// </summary>
internal class DownBlock2D : UNetDownBlock
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<TransformerTemporalModel>? motion_modules;
    private readonly ModuleList<Downsample2D>? downsamplers;

    /// <summary>Creates the image block.</summary>
    public DownBlock2D(string path, int inChannels, int outChannels, int numLayers, bool addDownsample, int downsamplePadding, UNetBlockSettings s)
        : this(path, inChannels, outChannels, numLayers, addDownsample, downsamplePadding, s, null) { }

    /// <summary>Creates the block, with motion modules when <paramref name="motion"/> is given.</summary>
    protected DownBlock2D(string path, int inChannels, int outChannels, int numLayers, bool addDownsample, int downsamplePadding,
        UNetBlockSettings s, MotionModuleOptions? motion) : base(nameof(DownBlock2D), path)
    {
        resnets = new ModuleList<ResnetBlock2D>();
        for (int i = 0; i < numLayers; i++)
            resnets.Add(s.Resnet(i == 0 ? inChannels : outChannels, outChannels));
        motion_modules = BuildMotionModules(motion, outChannels, numLayers);
        if (addDownsample)
            downsamplers = new ModuleList<Downsample2D>(new Downsample2D(outChannels, useConv: true, outChannels, downsamplePadding));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override IEnumerable<(string Path, AttentionLayer Layer)> AttentionLayers() => InterleavedLayers(null, motion_modules);

    /// <inheritdoc />
    public override (Tensor Hidden, List<Tensor> Skips) forward(Tensor hidden, UNetForwardContext ctx)
    {
        var skips = new List<Tensor>(resnets.Count + 1);
        var h = hidden;
        for (int i = 0; i < resnets.Count; i++)
        {
            h = RunResnet(resnets[i], h, ctx);
            h = ApplyMotion(motion_modules, i, h, ctx);
            skips.Add(h);
        }
        if (downsamplers is not null)
        {
            foreach (var d in downsamplers) h = d.call(h);
            skips.Add(h);
        }
        return (h, skips);
    }
}
