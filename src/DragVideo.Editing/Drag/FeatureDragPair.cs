namespace DragVideo.Editing.Drag;

/// <summary>One handle→target pair on the feature map (the feature-space twin of <see cref="DragPair"/>).</summary>
/// <param name="Handle">the handle in feature pixels.</param>
/// <param name="Target">the target in feature pixels.</param>
internal sealed record FeatureDragPair(FeaturePoint Handle, FeaturePoint Target);
