using DragVideo.Diffusion.Modules.Attention;
using DragVideo.Diffusion.Modules.Common;
using DragVideo.Diffusion.Modules.Motion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Unet;

/// <summary>
/// Shared plumbing of the U-Net's down, mid and up blocks: the block's module path (for attention-layer paths) and the
/// optional AnimateDiff <c>motion_modules</c> that run after each resnet (+ transformer). Blocks are typed TorchSharp
/// modules invoked through <c>call</c>, so standard forward hooks fire on them.
/// </summary>
/// <typeparam name="TArgs">what the block needs besides the hidden states.</typeparam>
/// <typeparam name="TResult">what the block returns.</typeparam>
internal abstract class UNetBlock<TArgs, TResult> : nn.Module<Tensor, TArgs, TResult>
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

    /// <summary>Runs motion module <paramref name="index"/> when present and enabled.</summary>
    protected Tensor ApplyMotion(ModuleList<TransformerTemporalModel>? motionModules, int index, Tensor hidden, UNetForwardContext ctx)
    {
        if (motionModules is null || !ctx.MotionEnabled) return hidden;
        var module = motionModules[index];
        int frames = ctx.Frames;
        var call = ctx.Call;
        return InOwnScope(() => ctx.CheckpointUnits
            ? GradientCheckpoint.Run(x => new[] { module.call(x[0]!, frames, call) }, hidden)[0]
            : module.call(hidden, frames, call));
    }

    /// <summary>Runs a resnet with the context's time embedding, as its own checkpoint unit when the context asks for it.</summary>
    protected static Tensor RunResnet(ResnetBlock2D resnet, Tensor hidden, UNetForwardContext ctx)
        => InOwnScope(() => ctx.CheckpointUnits
            ? GradientCheckpoint.Run(x => new[] { resnet.call(x[0]!, x[1]!) }, hidden, ctx.Temb)[0]
            : resnet.call(hidden, ctx.Temb));

    /// <summary>Runs a spatial transformer on the context's text embedding, as its own checkpoint unit when the context asks for it.</summary>
    protected static Tensor RunTransformer(Attention.Transformer2DModel transformer, Tensor hidden, UNetForwardContext ctx)
    {
        var call = ctx.Call;
        return InOwnScope(() => ctx.CheckpointUnits
            ? GradientCheckpoint.Run(x => new[] { transformer.call(x[0]!, x[1], call) }, hidden, ctx.EncoderHiddenStates)[0]
            : transformer.call(hidden, ctx.EncoderHiddenStates, call));
    }

    /// <summary>
    /// Runs one unit (a resnet, transformer or motion module) in its own dispose scope and keeps only its output, so the
    /// unit's intermediates are released when it returns instead of when the whole block does. Without a graph — under
    /// <c>no_grad</c>, and in the graph-free forward of a checkpointed block — nothing else needs them, so a block's
    /// peak becomes one unit's intermediates instead of all of its units' (measured: docs/performance.md, "Memory");
    /// with a graph, autograd keeps what backward needs through its own references, as it does at block boundaries.
    /// </summary>
    private static Tensor InOwnScope(Func<Tensor> unit)
    {
        using var scope = NewDisposeScope();
        var output = unit();
        if (scope.Contains(output)) scope.MoveToOuter(output);
        return output;
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

/// <summary>
/// A U-Net encoder block on <c>[N, C, H, W]</c>: returns its output and the skip tensors for the decoder (a forward hook
/// sees both; diffusers' hook output <c>[0]</c> is <c>Hidden</c>).
/// </summary>
internal abstract class UNetDownBlock : UNetBlock<UNetForwardContext, (Tensor Hidden, List<Tensor> Skips)>
{
    /// <summary>Creates the block shell.</summary>
    protected UNetDownBlock(string name, string path) : base(name, path) { }
}

/// <summary>What an up block consumes besides the hidden states.</summary>
/// <param name="Skips">skip tensors from the encoder, consumed from the end.</param>
/// <param name="Context">the forward's context.</param>
/// <param name="UpsampleSize">forces the upsampled size when the input is not a multiple of the total stride.</param>
internal sealed record UNetUpBlockArgs(IReadOnlyList<Tensor> Skips, UNetForwardContext Context, long[]? UpsampleSize);

/// <summary>A U-Net decoder block: consumes skip tensors from the encoder (last first).</summary>
internal abstract class UNetUpBlock : UNetBlock<UNetUpBlockArgs, Tensor>
{
    /// <summary>Creates the block shell.</summary>
    protected UNetUpBlock(string name, string path) : base(name, path) { }

    /// <summary>Number of resnets = number of skip tensors consumed.</summary>
    public abstract int ResnetCount { get; }

    /// <summary>Whether the block ends with an upsampler.</summary>
    public abstract bool HasUpsampler { get; }
}
