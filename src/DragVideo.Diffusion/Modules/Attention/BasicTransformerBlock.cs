using DragVideo.Diffusion.Modules.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Attention;

/// <summary>
/// diffusers <c>BasicTransformerBlock</c> with layer norms: <c>norm1 → (pos_embed) → attn1</c> (self-attention),
/// <c>norm2 → (pos_embed) → attn2</c> (cross-attention to the text, or a second self-attention when
/// <c>double_self_attention</c>), <c>norm3 → ff</c> (GEGLU), each added residually. Sequences <c>[N, L, dim]</c>.
/// In AnimateDiff's temporal blocks the sinusoidal <c>pos_embed</c> is added before both attentions.
/// </summary>
internal sealed class BasicTransformerBlock : nn.Module<Tensor, Tensor?, AttentionCall, Tensor>
{
    private readonly SinusoidalPositionalEmbedding? pos_embed;
    private readonly LayerNorm norm1;
    private readonly AttentionLayer attn1;
    private readonly LayerNorm? norm2;
    private readonly AttentionLayer? attn2;
    private readonly LayerNorm norm3;
    private readonly FeedForward ff;

    private readonly bool _onlyCrossAttention;

    /// <summary>Creates the block.</summary>
    /// <param name="dim">channels.</param>
    /// <param name="heads">attention heads.</param>
    /// <param name="headDim">channels per head.</param>
    /// <param name="crossAttentionDim">text-embedding width for attn2, or null.</param>
    /// <param name="temporal">attention over frames (AnimateDiff): both attentions report <see cref="AttentionKind.Temporal"/>.</param>
    /// <param name="dropoutP">dropout.</param>
    /// <param name="activationFn">feed-forward activation.</param>
    /// <param name="attentionBias">bias on q/k/v.</param>
    /// <param name="onlyCrossAttention">attn1 attends to the text too.</param>
    /// <param name="doubleSelfAttention">attn2 is a second self-attention.</param>
    /// <param name="upcastAttention">diffusers' upcast flag.</param>
    /// <param name="normEps">layer-norm epsilon.</param>
    /// <param name="positionalEmbeddings">max sequence length of a sinusoidal position table, or null for none.</param>
    public BasicTransformerBlock(int dim, int heads, int headDim, int? crossAttentionDim = null, bool temporal = false,
        double dropoutP = 0.0, string activationFn = "geglu", bool attentionBias = false, bool onlyCrossAttention = false,
        bool doubleSelfAttention = false, bool upcastAttention = false, double normEps = 1e-5, int? positionalEmbeddings = null)
        : base(nameof(BasicTransformerBlock))
    {
        _onlyCrossAttention = onlyCrossAttention;
        if (positionalEmbeddings is int maxLen) pos_embed = new SinusoidalPositionalEmbedding(dim, maxLen);

        norm1 = nn.LayerNorm(dim, normEps, elementwise_affine: true);
        attn1 = new AttentionLayer(dim, temporal ? AttentionKind.Temporal : onlyCrossAttention ? AttentionKind.SpatialCross : AttentionKind.SpatialSelf,
            crossAttentionDim: onlyCrossAttention ? crossAttentionDim : null, heads: heads, dimHead: headDim, dropoutP: dropoutP,
            bias: attentionBias, upcastAttention: upcastAttention);
        if (crossAttentionDim is not null || doubleSelfAttention)
        {
            norm2 = nn.LayerNorm(dim, normEps, elementwise_affine: true);
            attn2 = new AttentionLayer(dim, temporal ? AttentionKind.Temporal : doubleSelfAttention ? AttentionKind.SpatialSelf : AttentionKind.SpatialCross,
                crossAttentionDim: doubleSelfAttention ? null : crossAttentionDim, heads: heads, dimHead: headDim, dropoutP: dropoutP,
                bias: attentionBias, upcastAttention: upcastAttention);
        }
        norm3 = nn.LayerNorm(dim, normEps, elementwise_affine: true);
        ff = new FeedForward(dim, dropoutP: dropoutP, activationFn: activationFn);
        RegisterComponents();
    }

    /// <summary>The attention layers with their names relative to this block, in forward order.</summary>
    public IEnumerable<(string Name, AttentionLayer Layer)> AttentionLayers()
    {
        yield return ("attn1", attn1);
        if (attn2 is not null) yield return ("attn2", attn2);
    }

    /// <summary>Applies the block to <paramref name="hiddenStates"/> <c>[N, L, dim]</c>.</summary>
    public override Tensor forward(Tensor hiddenStates, Tensor? encoderHiddenStates, AttentionCall call)
    {
        var h = hiddenStates;
        var n = norm1.call(h);
        if (pos_embed is not null) n = pos_embed.call(n);
        h = attn1.call(n, _onlyCrossAttention ? encoderHiddenStates : null, call) + h;

        if (attn2 is not null)
        {
            n = norm2!.call(h);
            if (pos_embed is not null) n = pos_embed.call(n);
            h = attn2.call(n, encoderHiddenStates, call) + h;
        }

        n = norm3.call(h);
        return ff.call(n) + h;
    }
}
