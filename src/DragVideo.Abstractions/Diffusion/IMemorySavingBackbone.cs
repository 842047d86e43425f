namespace DragVideo;

/// <summary>
/// A backbone that can trade compute for memory: gradient checkpointing and query-sliced spatial self-attention.
/// The editor checks for this interface when it is built, so asking a backbone that lacks it for either saving is a
/// configuration error reported before any edit runs.
/// </summary>
public interface IMemorySavingBackbone : IVideoDiffusionBackbone
{
    /// <summary>Which parts of the forward are recomputed during backward (default <see cref="DragVideo.GradientCheckpointing.Off"/>).</summary>
    GradientCheckpointing GradientCheckpointing { get; set; }

    /// <summary>
    /// Queries per chunk for spatial self-attention, or null for no slicing (default). Slicing bounds the attention
    /// working set at large token counts (e.g. 4,096 tokens per frame at 512²); results equal unsliced attention.
    /// </summary>
    int? AttentionSliceSize { get; set; }
}
