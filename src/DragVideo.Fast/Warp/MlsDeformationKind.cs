namespace DragVideo.Editing.Fast;

/// <summary>
/// The family of local transforms fitted at every point by moving-least-squares deformation
/// (Schaefer, McPhail and Warren, "Image Deformation Using Moving Least Squares", SIGGRAPH 2006, §2.2–2.3).
/// </summary>
public enum MlsDeformationKind
{
    /// <summary>Rotation + translation (§2.3): content keeps its size; the least distortion of texture. The default.</summary>
    Rigid,

    /// <summary>Rotation + uniform scale + translation (§2.2): content may grow or shrink with the controls.</summary>
    Similarity,
}
