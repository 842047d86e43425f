namespace DragVideo.Diffusion.Modules.Attention;

/// <summary>
/// The per-forward facts an attention layer passes on to its processor inside an <see cref="DragVideo.AttentionContext"/>:
/// the denoising step (null outside a sampling loop), the timestep, and the number of frames folded into the batch.
/// </summary>
/// <param name="DenoisingStep">0-based denoising step index, or null.</param>
/// <param name="Timestep">diffusion timestep of this forward, when known.</param>
/// <param name="Frames">frames folded into the batch dimension (1 for images).</param>
public readonly record struct AttentionCall(int? DenoisingStep, long? Timestep, int Frames)
{
    /// <summary>A call outside any sampling loop, on images.</summary>
    public static AttentionCall None => new(null, null, 1);
}
