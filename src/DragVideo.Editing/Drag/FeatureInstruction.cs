namespace DragVideo.Editing.Drag;

/// <summary>
/// A propagated drag instruction in feature space: per frame, the handle→target pairs on the feature map and the
/// editable mask (frame-sized; resized to the latent by the optimiser). Built once per drag by <see cref="From"/>.
/// </summary>
/// <param name="Space">the frame ↔ feature coordinate change.</param>
/// <param name="Pairs">per frame, the pairs in feature pixels.</param>
/// <param name="Masks">per frame, the editable region; null = everything editable.</param>
internal sealed record FeatureInstruction(
    FeatureSpace Space,
    IReadOnlyList<IReadOnlyList<FeatureDragPair>> Pairs,
    IReadOnlyList<BinaryMask>? Masks)
{
    /// <summary>Converts <paramref name="instruction"/>'s frame-pixel pairs into <paramref name="space"/>, once.</summary>
    /// <exception cref="InvalidDragRequestException">a point is not finite or outside the frame.</exception>
    public static FeatureInstruction From(PropagatedInstruction instruction, FeatureSpace space)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        ArgumentNullException.ThrowIfNull(space);
        return new FeatureInstruction(space, space.ToFeaturePairs(instruction.Frames.Select(f => f.Pairs).ToList()),
            instruction.Frames.Select(f => f.Mask).ToList());
    }
}
