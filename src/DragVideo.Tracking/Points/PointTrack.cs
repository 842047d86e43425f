namespace DragVideo.Tracking;

/// <summary>The result of tracking one point from one frame to another.</summary>
/// <param name="Position">tracked position in the destination frame (pixels, sub-pixel).</param>
/// <param name="Found">false when the point is lost or occluded: it left the frame, or the forward–backward error or
/// the appearance error exceeds its threshold.</param>
/// <param name="ForwardBackwardError">distance (px) between the start point and the result of tracking back.</param>
/// <param name="AppearanceError"><c>1 − ZNCC</c> of the colour windows around the start and the tracked point (0 = same).</param>
/// <param name="Confidence">in [0, 1]: <c>exp(−½ (fb / fbThreshold)²) · max(0, ZNCC)</c>.</param>
public readonly record struct PointTrack(DragPoint Position, bool Found, float ForwardBackwardError, float AppearanceError, float Confidence);
