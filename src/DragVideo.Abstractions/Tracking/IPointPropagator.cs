namespace DragVideo;

/// <summary>Per-frame point tracks produced by an <see cref="IPointPropagator"/>.</summary>
/// <param name="Pairs">per frame, per pair: handle and target in that frame.</param>
/// <param name="Visible">per frame, per pair: handle visible (false = occluded / lost).</param>
/// <param name="Confidence">per frame, per pair: confidence in [0, 1].</param>
public sealed record PointPropagation(
    IReadOnlyList<IReadOnlyList<DragPair>> Pairs,
    IReadOnlyList<IReadOnlyList<bool>> Visible,
    IReadOnlyList<IReadOnlyList<float>> Confidence);

/// <summary>
/// Carries key-frame handle→target pairs to every frame (the paper uses PIPs; the default here is weight-free optical
/// flow). Every key frame must have the same number of pairs, in corresponding order.
/// </summary>
public interface IPointPropagator
{
    /// <summary>Propagates the pairs of <paramref name="keyframes"/> to all frames of <paramref name="clip"/>.</summary>
    PointPropagation Propagate(VideoClip clip, IReadOnlyList<KeyframeDrag> keyframes, CancellationToken cancellationToken = default);
}
