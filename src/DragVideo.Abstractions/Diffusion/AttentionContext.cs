namespace DragVideo;

/// <summary>
/// The explicit context an <see cref="IAttentionProcessor"/> receives for a call: which layer, and which step of which
/// loop. Processors decide from this, never from global counters.
/// </summary>
/// <param name="Layer">the layer being run.</param>
/// <param name="DenoisingStep">0-based index of the current denoising step, or null outside a sampling loop.</param>
/// <param name="Timestep">the diffusion timestep of the current forward, when known.</param>
/// <param name="Frames">number of video frames folded into the batch (1 for images).</param>
public sealed record AttentionContext(AttentionLayerInfo Layer, int? DenoisingStep, long? Timestep, int Frames)
{
    /// <summary>
    /// Queries per chunk the layer asks its processor to attend at a time (null: all at once). Set on spatial
    /// self-attention layers when the backbone's attention slicing is on; slicing changes memory, not results.
    /// </summary>
    public int? QuerySliceSize { get; init; }
}
