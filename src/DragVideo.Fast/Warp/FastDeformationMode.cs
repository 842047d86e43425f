namespace DragVideo.Editing.Fast;

/// <summary>How the fast weight-free backend (<see cref="FastWarpDragEditor"/>) deforms each frame.</summary>
public enum FastDeformationMode
{
    /// <summary>
    /// Moving-least-squares warp (Schaefer et al. 2006): the handle's neighbourhood is pulled to the target and the rest
    /// of the mask stretches to follow. Nothing is invented. The default.
    /// </summary>
    Stretch,

    /// <summary>
    /// The content around the handles (segmented inside the mask) moves as one body under a rigid or similarity
    /// transform fitted to the pairs; what it uncovers is filled from other frames of the clip where that background is
    /// visible (aligned by the background's motion), then by spatial inpainting.
    /// </summary>
    Move,
}
