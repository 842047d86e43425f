namespace DragVideo;

/// <summary>
/// Carries key-frame editable masks to every frame (the paper uses Track-Anything), then grows them by a radius and
/// stretches them along each frame's drag so the target area is editable too.
/// </summary>
public interface IMaskPropagator
{
    /// <summary>Returns one mask per frame, frame-sized.</summary>
    /// <param name="clip">the clip.</param>
    /// <param name="keyframes">key-frame instructions; those with a null mask contribute no mask.</param>
    /// <param name="points">the propagated points (for stretching along the drag).</param>
    /// <param name="cancellationToken">cancellation.</param>
    IReadOnlyList<BinaryMask> Propagate(VideoClip clip, IReadOnlyList<KeyframeDrag> keyframes, PointPropagation points,
        CancellationToken cancellationToken = default);
}
