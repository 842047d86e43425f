using DragVideo.Diffusion.Modules.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Attention;

/// <summary>
/// diffusers <c>Transformer2DModel</c> for continuous inputs (the SD U-Net's spatial transformer): GroupNorm (eps 1e-6),
/// <c>proj_in</c> (1×1 conv, or linear when <c>use_linear_projection</c>), <c>transformer_blocks</c>, <c>proj_out</c>,
/// plus the input as residual. <c>[N, C, H, W] → [N, C, H, W]</c>; <c>encoder_hidden_states</c> <c>[N, S, D]</c>.
/// </summary>
internal sealed class Transformer2DModel : nn.Module<Tensor, Tensor?, AttentionCall, Tensor>
{
    private readonly GroupNorm norm;
    private readonly nn.Module<Tensor, Tensor> proj_in;
    private readonly ModuleList<BasicTransformerBlock> transformer_blocks;
    private readonly nn.Module<Tensor, Tensor> proj_out;

    private readonly bool _linearProjection;

    /// <summary>Creates the transformer.</summary>
    public Transformer2DModel(int heads, int headDim, int inChannels, int numLayers = 1, double dropoutP = 0.0, int normNumGroups = 32,
        int? crossAttentionDim = null, bool attentionBias = false, string activationFn = "geglu", bool useLinearProjection = false,
        bool onlyCrossAttention = false, bool doubleSelfAttention = false, bool upcastAttention = false, double normEps = 1e-5)
        : base(nameof(Transformer2DModel))
    {
        int inner = heads * headDim;
        _linearProjection = useLinearProjection;
        norm = Normalization.GroupNorm(normNumGroups, inChannels, 1e-6);
        proj_in = useLinearProjection
            ? nn.Linear(inChannels, inner)
            : nn.Conv2d(inChannels, inner, kernel_size: 1);
        transformer_blocks = new ModuleList<BasicTransformerBlock>();
        for (int i = 0; i < numLayers; i++)
            transformer_blocks.Add(new BasicTransformerBlock(inner, heads, headDim, crossAttentionDim, temporal: false, dropoutP,
                activationFn, attentionBias, onlyCrossAttention, doubleSelfAttention, upcastAttention, normEps));
        proj_out = useLinearProjection
            ? nn.Linear(inner, inChannels)
            : nn.Conv2d(inner, inChannels, kernel_size: 1);
        RegisterComponents();
    }

    /// <summary>The attention layers with names relative to this module, in forward order.</summary>
    public IEnumerable<(string Name, AttentionLayer Layer)> AttentionLayers()
    {
        for (int i = 0; i < transformer_blocks.Count; i++)
            foreach (var (name, layer) in transformer_blocks[i].AttentionLayers())
                yield return ($"transformer_blocks.{i}.{name}", layer);
    }

    /// <summary>Applies the transformer to <paramref name="hiddenStates"/> <c>[N, C, H, W]</c>.</summary>
    public override Tensor forward(Tensor hiddenStates, Tensor? encoderHiddenStates, AttentionCall call)
    {
        long batch = hiddenStates.shape[0], height = hiddenStates.shape[2], width = hiddenStates.shape[3];
        var residual = hiddenStates;
        var h = norm.call(hiddenStates);
        long inner;
        if (!_linearProjection)
        {
            h = proj_in.call(h);
            inner = h.shape[1];
            h = h.permute(0, 2, 3, 1).reshape(batch, height * width, inner);
        }
        else
        {
            inner = h.shape[1];
            h = proj_in.call(h.permute(0, 2, 3, 1).reshape(batch, height * width, inner));
            inner = h.shape[2];
        }

        foreach (var block in transformer_blocks)
            h = block.call(h, encoderHiddenStates, call);

        if (!_linearProjection)
        {
            h = h.reshape(batch, height, width, inner).permute(0, 3, 1, 2).contiguous();
            h = proj_out.call(h);
        }
        else
        {
            h = proj_out.call(h);
            h = h.reshape(batch, height, width, -1).permute(0, 3, 1, 2).contiguous();
        }
        return h + residual;
    }
}
