using DragVideo.Diffusion.Modules.Common;
using DragVideo.Diffusion.Modules.Attention;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Motion;

/// <summary>
/// An AnimateDiff motion module (diffusers <c>TransformerTemporalModel</c>): GroupNorm (eps 1e-6) over each video's
/// frames, <c>proj_in</c> (linear), <c>transformer_blocks</c> whose two attentions both attend across frames at each pixel
/// (sinusoidal <c>pos_embed.pe</c> added before each), <c>proj_out</c>, plus the input as residual.
/// Input and output <c>[B·F, C, H, W]</c> with the frames of a video adjacent in the batch.
/// </summary>
internal sealed class TransformerTemporalModel : nn.Module<Tensor, int, AttentionCall, Tensor>
{
    private readonly GroupNorm norm;
    private readonly Linear proj_in;
    private readonly ModuleList<BasicTransformerBlock> transformer_blocks;
    private readonly Linear proj_out;

    /// <summary>Creates the motion module.</summary>
    /// <param name="inChannels">channels of the U-Net feature it wraps.</param>
    /// <param name="heads">temporal attention heads (AnimateDiff SD1.5: 8).</param>
    /// <param name="normNumGroups">GroupNorm groups.</param>
    /// <param name="maxSeqLength">longest clip (frames) the position table covers (AnimateDiff v2: 32).</param>
    /// <param name="numLayers">transformer blocks (AnimateDiff: 1).</param>
    public TransformerTemporalModel(int inChannels, int heads, int normNumGroups, int maxSeqLength, int numLayers = 1)
        : base(nameof(TransformerTemporalModel))
    {
        if (inChannels % heads != 0)
            throw new ArgumentException($"Motion-module channels {inChannels} are not divisible by {heads} heads.", nameof(heads));
        int headDim = inChannels / heads;
        int inner = heads * headDim;
        norm = Normalization.GroupNorm(normNumGroups, inChannels, 1e-6);
        proj_in = nn.Linear(inChannels, inner);
        transformer_blocks = new ModuleList<BasicTransformerBlock>();
        for (int i = 0; i < numLayers; i++)
            transformer_blocks.Add(new BasicTransformerBlock(inner, heads, headDim, crossAttentionDim: null, temporal: true,
                activationFn: "geglu", attentionBias: false, doubleSelfAttention: true, positionalEmbeddings: maxSeqLength));
        proj_out = nn.Linear(inner, inChannels);
        RegisterComponents();
    }

    /// <summary>The attention layers with names relative to this module, in forward order.</summary>
    public IEnumerable<(string Name, AttentionLayer Layer)> AttentionLayers()
    {
        for (int i = 0; i < transformer_blocks.Count; i++)
            foreach (var (name, layer) in transformer_blocks[i].AttentionLayers())
                yield return ($"transformer_blocks.{i}.{name}", layer);
    }

    /// <summary>Mixes information across the <paramref name="frames"/> frames of each video in <paramref name="hiddenStates"/> <c>[B·F, C, H, W]</c>.</summary>
    public override Tensor forward(Tensor hiddenStates, int frames, AttentionCall call)
    {
        long batchFrames = hiddenStates.shape[0], channels = hiddenStates.shape[1], height = hiddenStates.shape[2], width = hiddenStates.shape[3];
        if (frames <= 0 || batchFrames % frames != 0)
            throw new ArgumentException($"Batch {batchFrames} is not a whole number of {frames}-frame videos.", nameof(frames));
        long batch = batchFrames / frames;
        var residual = hiddenStates;

        // [B·F, C, H, W] → [B, C, F, H, W] so GroupNorm statistics span all frames of a video.
        var h = hiddenStates.reshape(batch, frames, channels, height, width).permute(0, 2, 1, 3, 4);
        h = norm.call(h);
        // → [B·H·W, F, C]: one frame sequence per pixel.
        h = h.permute(0, 3, 4, 2, 1).reshape(batch * height * width, frames, channels);
        h = proj_in.call(h);

        foreach (var block in transformer_blocks)
            h = block.call(h, null, call);

        h = proj_out.call(h);
        h = h.reshape(batch, height, width, frames, channels).permute(0, 3, 4, 1, 2).contiguous();
        h = h.reshape(batchFrames, channels, height, width);
        return h + residual;
    }
}
