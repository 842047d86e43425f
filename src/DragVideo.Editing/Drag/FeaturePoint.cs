namespace DragVideo.Editing.Drag;

/// <summary>
/// A point on the drag feature map F(ẑ_t) (feature pixels, <c>[0, W′ − 1] × [0, H′ − 1]</c> for the default mapping), a
/// different space from a frame's <see cref="DragPoint"/>. Made only by <see cref="FeatureSpace.ToFeature(DragPoint, string)"/>; turned
/// back into frame pixels only for reporting (<see cref="FeatureSpace.ToPixel(FeaturePoint)"/>).
/// </summary>
/// <param name="X">column in feature pixels.</param>
/// <param name="Y">row in feature pixels.</param>
internal readonly record struct FeaturePoint(float X, float Y)
{
    /// <summary>
    /// The same coordinates as the <see cref="DragPoint"/> the feature-level APIs take (the tracker, and
    /// <see cref="DragObjectiveInput"/>, whose points are documented as feature pixels).
    /// </summary>
    public DragPoint AsFeatureDragPoint() => new(X, Y);
}
