namespace DragVideo;

/// <summary>What an attention layer attends over.</summary>
public enum AttentionKind
{
    /// <summary>Spatial self-attention (attn1 of a spatial transformer block).</summary>
    SpatialSelf,
    /// <summary>Spatial cross-attention to the text embedding (attn2 of a spatial transformer block).</summary>
    SpatialCross,
    /// <summary>Temporal attention over frames (AnimateDiff motion modules).</summary>
    Temporal,
    /// <summary>Self-attention inside the VAE mid block.</summary>
    VaeSelf,
}
