namespace DragVideo;

/// <summary>The part of a U-Net an attention layer sits in.</summary>
public enum UNetPart
{
    /// <summary>The encoder (<c>down_blocks</c>).</summary>
    Down,

    /// <summary>The bottleneck (<c>mid_block</c>).</summary>
    Mid,

    /// <summary>The decoder (<c>up_blocks</c>).</summary>
    Up,
}
