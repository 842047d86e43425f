using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Modules.Motion;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// Options for <see cref="StableDiffusionLoader"/>. Defaults load float32 weights on the CPU, refuse pickle files, and
/// expect SD1.5 hyper-parameters where a single-file checkpoint cannot state them.
/// </summary>
public sealed record ModelLoadOptions
{
    /// <summary>
    /// Opt in to pickle-based checkpoints (<c>.ckpt</c>, <c>.pt</c>, <c>.pth</c>, <c>.bin</c>), read with the restricted
    /// reader (tensors and plain containers only). Default false.
    /// </summary>
    public bool AllowPickle { get; init; }

    /// <summary>Parameter dtype of the built modules (float32 default; the stored dtype is converted). Use float16/bfloat16 only on a GPU.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>Device of the built modules (null: CPU).</summary>
    public Device? Device { get; init; }

    /// <summary>
    /// Motion adapter: a diffusers MotionAdapter folder (<c>config.json</c> + weights), or an original AnimateDiff file
    /// (<c>mm_sd_v15_v2.ckpt</c>, <c>v3_sd15_mm.ckpt</c>, or <c>.safetensors</c>). Null: a <c>motion_adapter/</c> folder
    /// inside the model folder, else an error (DragVideo needs the motion modules).
    /// </summary>
    public string? MotionAdapterPath { get; init; }

    /// <summary>
    /// Settings of a motion adapter given as a bare file, where no <c>config.json</c> says them. Widths, layer counts,
    /// mid block and sequence length are read from the tensors; the head count comes from here (AnimateDiff: 8).
    /// </summary>
    public MotionAdapterConfig? MotionAdapterConfig { get; init; }

    /// <summary>Original LDM inference yaml for a single-file checkpoint (heads, scale factor, noise schedule). Optional.</summary>
    public string? OriginalConfigPath { get; init; }

    /// <summary>
    /// GroupNorm groups for a single-file checkpoint's U-Net and VAE. LDM configs cannot express it (LDM always uses 32,
    /// which is the default here); only models trained otherwise need to set it.
    /// </summary>
    public int? NormNumGroups { get; init; }

    /// <summary>Single-file U-Net attention heads per block, overriding the yaml (SD1.x default: 8).</summary>
    public int? AttentionHeads { get; init; }

    /// <summary>
    /// Single-file text-encoder settings the tensors cannot state (head count, token ids, activation). Sizes (vocab,
    /// width, layers, positions) are read from the tensors. Null: SD1.5's CLIP ViT-L/14 text settings (12 heads).
    /// </summary>
    public ClipTextConfig? TextEncoderConfig { get; init; }

    /// <summary>Take the U-Net from the EMA weights of a single-file checkpoint that holds both (diffusers' extract_ema).</summary>
    public bool UseEma { get; init; }

    /// <summary>
    /// Tokenizer folder (<c>vocab.json</c> + <c>merges.txt</c>) for a single-file checkpoint, which holds no tokenizer.
    /// Null: a <c>tokenizer/</c> folder next to the checkpoint.
    /// </summary>
    public string? TokenizerPath { get; init; }

    /// <summary>Preferred weight-file variant in diffusers folders, e.g. <c>fp16</c> (null: the plain files, else any variant present).</summary>
    public string? Variant { get; init; }

    internal CheckpointReadOptions ReadOptions => new() { AllowPickle = AllowPickle };
}
