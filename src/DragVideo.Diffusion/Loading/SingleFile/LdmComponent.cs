namespace DragVideo.Diffusion.Loading;

/// <summary>The sub-models an SD1.x single-file (LDM) checkpoint holds.</summary>
public enum LdmComponent
{
    /// <summary><c>model.diffusion_model.*</c> → diffusers UNet2DConditionModel.</summary>
    Unet,

    /// <summary><c>first_stage_model.*</c> → diffusers AutoencoderKL.</summary>
    Vae,

    /// <summary><c>cond_stage_model.transformer.*</c> → transformers CLIPTextModel.</summary>
    TextEncoder,
}

/// <summary>One LDM key and where it goes.</summary>
/// <param name="Source">The key in the checkpoint.</param>
/// <param name="Component">The sub-model it belongs to.</param>
/// <param name="Target">The diffusers / transformers parameter name.</param>
/// <param name="ConvToLinear">True for the VAE attention 1×1-conv weights [C,C,1,1] that become Linear [C,C].</param>
public sealed record LdmKeyMapping(string Source, LdmComponent Component, string Target, bool ConvToLinear);

/// <summary>Options for reading an SD1.x single-file checkpoint.</summary>
public sealed record LdmConversionOptions
{
    /// <summary>
    /// Take the U-Net from the EMA copy (<c>model_ema.*</c>) when the file has one, as diffusers' <c>extract_ema</c>
    /// does. Default false: the non-EMA weights (what pruned community checkpoints hold anyway).
    /// </summary>
    public bool UseEma { get; init; }
}
