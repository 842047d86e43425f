namespace DragVideo.Diffusion.Modules.Motion;

/// <summary>
/// How the motion modules of one U-Net block are built (diffusers' <c>temporal_*</c> block arguments).
/// </summary>
/// <param name="Heads">temporal attention heads (<c>motion_num_attention_heads</c>).</param>
/// <param name="MaxSequenceLength">frames covered by the position table (<c>motion_max_seq_length</c>).</param>
/// <param name="NormGroups">GroupNorm groups of the motion modules.</param>
internal sealed record MotionModuleOptions(int Heads, int MaxSequenceLength, int NormGroups);
