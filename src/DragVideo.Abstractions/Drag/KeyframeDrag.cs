namespace DragVideo;

/// <summary>
/// The user's drag instruction on one key frame: handle→target pairs and an optional editable-region mask
/// (null = the whole frame may change).
/// </summary>
/// <param name="FrameIndex">index of the key frame in the clip (0-based).</param>
/// <param name="Pairs">the drags on that frame (at least one).</param>
/// <param name="Mask">editable region, same size as the frame, or null.</param>
public sealed record KeyframeDrag(int FrameIndex, IReadOnlyList<DragPair> Pairs, BinaryMask? Mask = null);
