using DragVideo.Diffusion.Modules.Common;
using DragVideo.Diffusion.Modules.Motion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AttentionLayer = DragVideo.Diffusion.Modules.Attention.Attention;

namespace DragVideo.Diffusion.Modules.Unet;

/// <summary>
/// Shared plumbing of the U-Net's down, mid and up blocks: the block's module path (for captures and attention-layer
/// paths) and the optional AnimateDiff <c>motion_modules</c> that run after each resnet (+ transformer).
/// </summary>
internal abstract class UNetBlock : nn.Module
{
    /// <summary>Creates the block shell.</summary>
    protected UNetBlock(string name, string path) : base(name) => BlockPath = path;

    /// <summary>Module path in state-dict naming, e.g. <c>down_blocks.1</c>.</summary>
    public string BlockPath { get; }

    /// <summary>The attention layers (spatial, then temporal, per layer) with full paths, in forward order.</summary>
    public abstract IEnumerable<(string Path, AttentionLayer Layer)> AttentionLayers();

    /// <summary>Builds <paramref name="count"/> motion modules over <paramref name="channels"/>, or null without motion.</summary>
    protected static ModuleList<TransformerTemporalModel>? BuildMotionModules(MotionModuleOptions? motion, int channels, int count)
    {
        if (motion is null) return null;
        var list = new ModuleList<TransformerTemporalModel>();
        for (int i = 0; i < count; i++)
            list.Add(new TransformerTemporalModel(channels, motion.Heads, motion.NormGroups, motion.MaxSequenceLength));
        return list;
    }

    /// <summary>Runs motion module <paramref name="index"/> when present and enabled; captures its output.</summary>
    protected Tensor ApplyMotion(ModuleList<TransformerTemporalModel>? motionModules, int index, Tensor hidden, UNetForwardContext ctx)
    {
        if (motionModules is null || !ctx.MotionEnabled) return hidden;
        var module = motionModules[index];
        int frames = ctx.Frames;
        var call = ctx.Call;
        var h = ctx.CheckpointUnits
            ? GradientCheckpoint.Run(x => new[] { module.forward(x[0]!, frames, call) }, hidden)[0]
            : module.forward(hidden, frames, call);
        ctx.Capture($"{BlockPath}.motion_modules.{index}", h);
        return h;
    }

    /// <summary>Runs a resnet with the context's time embedding, as its own checkpoint unit when the context asks for it.</summary>
    protected static Tensor RunResnet(ResnetBlock2D resnet, Tensor hidden, UNetForwardContext ctx)
        => ctx.CheckpointUnits
            ? GradientCheckpoint.Run(x => new[] { resnet.forward(x[0]!, x[1]!) }, hidden, ctx.Temb)[0]
            : resnet.forward(hidden, ctx.Temb);

    /// <summary>Runs a spatial transformer on the context's text embedding, as its own checkpoint unit when the context asks for it.</summary>
    protected static Tensor RunTransformer(Attention.Transformer2DModel transformer, Tensor hidden, UNetForwardContext ctx)
    {
        if (!ctx.CheckpointUnits) return transformer.forward(hidden, ctx.EncoderHiddenStates, ctx.Call);
        var call = ctx.Call;
        return GradientCheckpoint.Run(x => new[] { transformer.forward(x[0]!, x[1], call) }, hidden, ctx.EncoderHiddenStates)[0];
    }

    /// <summary>Enumerates a transformer list's and a motion list's layers interleaved in forward order.</summary>
    protected IEnumerable<(string Path, AttentionLayer Layer)> InterleavedLayers(
        ModuleList<Attention.Transformer2DModel>? attentions, ModuleList<TransformerTemporalModel>? motionModules)
    {
        int n = Math.Max(attentions?.Count ?? 0, motionModules?.Count ?? 0);
        for (int i = 0; i < n; i++)
        {
            if (attentions is not null && i < attentions.Count)
                foreach (var (name, layer) in attentions[i].AttentionLayers())
                    yield return ($"{BlockPath}.attentions.{i}.{name}", layer);
            if (motionModules is not null && i < motionModules.Count)
                foreach (var (name, layer) in motionModules[i].AttentionLayers())
                    yield return ($"{BlockPath}.motion_modules.{i}.{name}", layer);
        }
    }
}

/// <summary>A U-Net encoder block: returns its output and the skip tensors for the decoder.</summary>
internal abstract class UNetDownBlock : UNetBlock
{
    /// <summary>Creates the block shell.</summary>
    protected UNetDownBlock(string name, string path) : base(name, path) { }

    /// <summary>Runs the block on <paramref name="hidden"/> <c>[N, C, H, W]</c>.</summary>
    public abstract (Tensor Hidden, List<Tensor> Skips) Forward(Tensor hidden, UNetForwardContext ctx);
}

/// <summary>A U-Net decoder block: consumes skip tensors from the encoder (last first).</summary>
internal abstract class UNetUpBlock : UNetBlock
{
    /// <summary>Creates the block shell.</summary>
    protected UNetUpBlock(string name, string path) : base(name, path) { }

    /// <summary>Number of resnets = number of skip tensors consumed.</summary>
    public abstract int ResnetCount { get; }

    /// <summary>Whether the block ends with an upsampler.</summary>
    public abstract bool HasUpsampler { get; }

    /// <summary>Runs the block; <paramref name="skips"/> are consumed from the end; <paramref name="upsampleSize"/> forces the upsampled size.</summary>
    public abstract Tensor Forward(Tensor hidden, IReadOnlyList<Tensor> skips, UNetForwardContext ctx, long[]? upsampleSize);
}
