namespace DragVideo.Diffusion.Loading;

/// <summary>
/// The SD1.x U-Net structure read off an LDM checkpoint's keys and shapes (nothing hard-coded): what diffusers'
/// <c>create_unet_diffusers_config</c> takes from the yaml, except the head count, which shapes cannot reveal.
/// </summary>
/// <param name="BlockOutChannels">Channels per level, top to bottom (SD1.5: 320, 640, 1280, 1280).</param>
/// <param name="LayersPerBlock">Resnets per down level (SD1.5: 2; up levels have one more).</param>
/// <param name="DownHasAttention">Per down level, whether it holds transformers (CrossAttnDownBlock2D vs DownBlock2D).</param>
/// <param name="UpHasAttention">Per up level (deepest first), whether it holds transformers.</param>
/// <param name="InChannels">Latent channels in (4).</param>
/// <param name="OutChannels">Channels out (4).</param>
/// <param name="CrossAttentionDim">Text-embedding width (768 for SD1.5), or null when no cross-attention was found.</param>
/// <param name="TransformerLayersPerBlock">Transformer blocks per Transformer2DModel (1 for SD1.5).</param>
/// <param name="UseLinearProjection">True when proj_in/proj_out are Linear (SD2) rather than 1×1 convs (SD1).</param>
public sealed record LdmUnetLayout(
    IReadOnlyList<int> BlockOutChannels, int LayersPerBlock, IReadOnlyList<bool> DownHasAttention, IReadOnlyList<bool> UpHasAttention,
    int InChannels, int OutChannels, int? CrossAttentionDim, int TransformerLayersPerBlock, bool UseLinearProjection)
{
    /// <summary>Number of resolution levels.</summary>
    public int Levels => BlockOutChannels.Count;
}

/// <summary>The AutoencoderKL structure read off an LDM checkpoint's <c>first_stage_model.*</c> keys.</summary>
/// <param name="BlockOutChannels">Channels per level (SD1.5: 128, 256, 512, 512).</param>
/// <param name="LayersPerBlock">Resnets per encoder level (2; the decoder has one more).</param>
/// <param name="InChannels">Image channels in (3).</param>
/// <param name="OutChannels">Image channels out (3).</param>
/// <param name="LatentChannels">Latent channels (4).</param>
public sealed record LdmVaeLayout(IReadOnlyList<int> BlockOutChannels, int LayersPerBlock, int InChannels, int OutChannels, int LatentChannels)
{
    /// <summary>Number of resolution levels.</summary>
    public int Levels => BlockOutChannels.Count;
}
