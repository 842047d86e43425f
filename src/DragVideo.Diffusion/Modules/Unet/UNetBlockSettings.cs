namespace DragVideo.Diffusion.Modules.Unet;

/// <summary>The per-block arguments diffusers' <c>get_down_block</c> / <c>get_up_block</c> pass to the SD block classes.</summary>
/// <param name="TembChannels">time-embedding width.</param>
/// <param name="ResnetEps">resnet GroupNorm epsilon (<c>norm_eps</c>).</param>
/// <param name="ActFn">resnet activation.</param>
/// <param name="ResnetGroups">GroupNorm groups (<c>norm_num_groups</c>), also used by the spatial transformers.</param>
/// <param name="Dropout">dropout probability.</param>
/// <param name="TimeScaleShift">resnet time conditioning ("default" / "scale_shift").</param>
/// <param name="CrossAttentionDim">text-embedding width.</param>
/// <param name="Heads">spatial attention heads (head dim = channels / heads).</param>
/// <param name="TransformerLayers">transformer blocks per spatial transformer.</param>
/// <param name="UseLinearProjection">linear transformer projections.</param>
/// <param name="OnlyCrossAttention">attn1 attends to the text.</param>
/// <param name="UpcastAttention">diffusers' upcast flag.</param>
/// <param name="OutputScaleFactor">resnet output scale (mid block: <c>mid_block_scale_factor</c>).</param>
internal sealed record UNetBlockSettings(int TembChannels, double ResnetEps, string ActFn, int ResnetGroups, double Dropout,
    string TimeScaleShift, int CrossAttentionDim, int Heads, int TransformerLayers, bool UseLinearProjection,
    bool OnlyCrossAttention, bool UpcastAttention, double OutputScaleFactor = 1.0)
{
    /// <summary>Builds a resnet with these settings.</summary>
    public Common.ResnetBlock2D Resnet(int inChannels, int outChannels) => new(inChannels, outChannels, TembChannels, ResnetGroups,
        ResnetEps, dropoutP: Dropout, nonLinearity: ActFn, timeEmbeddingNorm: TimeScaleShift, outputScaleFactor: OutputScaleFactor);

    /// <summary>Builds a spatial transformer with these settings over <paramref name="channels"/> channels.</summary>
    public Attention.Transformer2DModel Transformer(int channels) => new(Heads, channels / Heads, channels, TransformerLayers, Dropout,
        ResnetGroups, CrossAttentionDim, useLinearProjection: UseLinearProjection, onlyCrossAttention: OnlyCrossAttention,
        upcastAttention: UpcastAttention);
}
