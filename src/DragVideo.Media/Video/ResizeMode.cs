namespace DragVideo.Media;

/// <summary>How a frame is fitted to the target size when the aspect ratios differ.</summary>
public enum ResizeMode
{
    /// <summary>Scale to cover the target, then cut the centre out (no borders; the paper's preprocessing).</summary>
    CenterCrop,

    /// <summary>Scale to fit inside the target, then add black borders evenly on both sides (nothing is cut).</summary>
    Pad,
}
