namespace DragVideo.Editing.Drag;

/// <summary>
/// The frame ↔ feature-map coordinate change of one drag (DragVideo §3.4: points live on the up-block features, resized
/// to <see cref="FeatureWidth"/> × <see cref="FeatureHeight"/>). The instruction is converted once, when the drag
/// starts; feature points go back to frame pixels only to be reported.
/// </summary>
/// <param name="FrameWidth">frame width W in pixels.</param>
/// <param name="FrameHeight">frame height H in pixels.</param>
/// <param name="FeatureWidth">feature width W′.</param>
/// <param name="FeatureHeight">feature height H′.</param>
/// <param name="Mapping">how points are mapped (<see cref="DragOptimizationOptions.PointMapping"/>).</param>
internal sealed record FeatureSpace(int FrameWidth, int FrameHeight, int FeatureWidth, int FeatureHeight, DragPointMapping Mapping)
{
    /// <summary>The feature space <paramref name="options"/> give a frame of <paramref name="frameWidth"/> × <paramref name="frameHeight"/>.</summary>
    /// <exception cref="ArgumentException">the frame size is not positive.</exception>
    public static FeatureSpace For(int frameWidth, int frameHeight, DragOptimizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (frameWidth < 1 || frameHeight < 1)
            throw new ArgumentException($"the frame size must be positive; got {frameWidth}×{frameHeight}.", nameof(frameWidth));
        var (fw, fh) = options.FeatureSize(frameWidth, frameHeight);
        return new FeatureSpace(frameWidth, frameHeight, fw, fh, options.PointMapping);
    }

    /// <summary>Frame pixel → feature pixel.</summary>
    /// <param name="point">a point inside the frame (<c>0 … W − 1</c>, <c>0 … H − 1</c>).</param>
    /// <param name="field">the point's place in the instruction, for the error (e.g. <c>frames[3].pairs[0].handle</c>).</param>
    /// <exception cref="InvalidDragRequestException">the point is not finite or lies outside the frame; names <paramref name="field"/>.</exception>
    public FeaturePoint ToFeature(DragPoint point, string field)
    {
        if (!point.IsFinite)
            throw new InvalidDragRequestException(field, $"must be a finite point; got ({point.X}, {point.Y}).");
        if (!point.IsInside(FrameWidth, FrameHeight))
            throw new InvalidDragRequestException(field,
                $"({point.X}, {point.Y}) is outside the {FrameWidth}×{FrameHeight} frame (0 … {FrameWidth - 1}, 0 … {FrameHeight - 1}).");
        var f = DragFeatures.ToFeature(point, FrameWidth, FrameHeight, FeatureWidth, FeatureHeight, Mapping);
        return new FeaturePoint(f.X, f.Y);
    }

    /// <summary>Feature pixel → frame pixel, for reporting (no rounding).</summary>
    public DragPoint ToPixel(FeaturePoint point) =>
        DragFeatures.ToImage(point.AsFeatureDragPoint(), FrameWidth, FrameHeight, FeatureWidth, FeatureHeight, Mapping);

    /// <summary>Feature pixel (as the tracker's <see cref="DragPoint"/>) → frame pixel, for reporting.</summary>
    public DragPoint ToPixel(DragPoint featurePoint) => ToPixel(new FeaturePoint(featurePoint.X, featurePoint.Y));

    /// <summary>Converts every frame's pairs (frame pixels) to feature pixels, once.</summary>
    /// <exception cref="InvalidDragRequestException">a point is not finite or outside the frame (the field names frame and pair).</exception>
    public IReadOnlyList<IReadOnlyList<FeatureDragPair>> ToFeaturePairs(IReadOnlyList<IReadOnlyList<DragPair>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var frames = new IReadOnlyList<FeatureDragPair>[pairs.Count];
        for (int f = 0; f < pairs.Count; f++)
        {
            var frame = pairs[f] ?? throw new InvalidDragRequestException($"frames[{f}].pairs", "is null.");
            var converted = new FeatureDragPair[frame.Count];
            for (int j = 0; j < frame.Count; j++)
            {
                var pair = frame[j] ?? throw new InvalidDragRequestException($"frames[{f}].pairs[{j}]", "is null.");
                converted[j] = new FeatureDragPair(ToFeature(pair.Handle, $"frames[{f}].pairs[{j}].handle"),
                    ToFeature(pair.Target, $"frames[{f}].pairs[{j}].target"));
            }
            frames[f] = converted;
        }
        return frames;
    }
}
