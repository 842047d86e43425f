namespace DragVideo;

/// <summary>
/// How much of a backbone's forward is recomputed during backward instead of kept in memory (gradient checkpointing,
/// as diffusers' <c>enable_gradient_checkpointing</c>). It only acts when gradients are recorded (drag optimisation,
/// LoRA training); under <c>no_grad</c> the forward is unchanged. Gradients are the same as without it to float32
/// round-off; each checkpointed unit costs one extra forward during backward.
/// </summary>
public enum GradientCheckpointing
{
    /// <summary>Keep every activation (fastest, most memory).</summary>
    Off = 0,

    /// <summary>
    /// Keep only the inputs and outputs of each down, mid and up block of the U-Net; a block's inner activations exist
    /// only while that block is recomputed during backward.
    /// </summary>
    Blocks = 1,

    /// <summary>
    /// Keep only the inputs and outputs of each resnet, spatial transformer and motion module inside the blocks; the
    /// smallest peak (one unit's activations), at about the same recomputation cost as <see cref="Blocks"/>.
    /// </summary>
    All = 2,
}
