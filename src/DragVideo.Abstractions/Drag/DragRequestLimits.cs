namespace DragVideo;

/// <summary>
/// Upper bounds on the size of a drag request, so a hostile or mistaken request (ten thousand pairs, a polygon of
/// hundreds of thousands of points) is refused with a named field instead of running for minutes. The paper's
/// instructions use a handful of pairs per key frame and hand-drawn masks.
/// </summary>
public static class DragRequestLimits
{
    /// <summary>Most handle→target pairs on one key frame (64).</summary>
    public const int MaxPairsPerKeyframe = 64;

    /// <summary>Most shapes in one mask (256).</summary>
    public const int MaxShapesPerMask = 256;

    /// <summary>Most points of one polygon or brush stroke (4096).</summary>
    public const int MaxPointsPerShape = 4096;
}
