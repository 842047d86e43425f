namespace DragVideo.Editing.Metrics;

/// <summary>
/// Quality of a drag edit. Distances are in pixels, colours in [0, 1]. Serialises to JSON as is (no infinities: PSNR is
/// capped, see <see cref="EditMetricsOptions.PsnrCap"/>).
/// </summary>
/// <param name="MeanDragDistance">drag accuracy: mean over frames and visible pairs of the distance between where the
/// handle's original content is found in the edited frame and the target (0 = perfect; DragBench's mean distance with
/// our tracker in place of DIFT matching).</param>
/// <param name="MaxDragDistance">the largest of those distances.</param>
/// <param name="MeanInitialDragDistance">mean handle→target distance before the edit (the distance to beat).</param>
/// <param name="FrameDragDistances">per frame: mean distance over its visible pairs (NaN-free; frames without visible
/// pairs get 0 and are excluded from the means).</param>
/// <param name="MeasuredPoints">number of (frame, pair) measurements behind the drag means.</param>
/// <param name="TemporalMaxFlow">paper Eq. 8: mean over consecutive frames of the maximum optical-flow magnitude of the
/// edited clip (lower = less jitter).</param>
/// <param name="OriginalTemporalMaxFlow">the same for the original clip (reference), or null when not computed.</param>
/// <param name="WarpError">mean absolute difference between each edited frame and the next one warped back by the
/// flow (lower = steadier).</param>
/// <param name="OriginalWarpError">the same for the original clip, or null.</param>
/// <param name="PsnrOutsideMask">PSNR in dB of the edited against the original clip over pixels outside the dilated
/// masks (capped), or null when the masks cover every pixel.</param>
/// <param name="MaeOutsideMask">mean absolute error over the same pixels, or null.</param>
/// <param name="OutsideFraction">fraction of pixels (all frames) that count as outside.</param>
/// <param name="ClipConsistency">paper Eq. 7: mean cosine similarity of CLIP image embeddings of consecutive edited
/// frames (higher = steadier), or null without an <see cref="IClipImageEncoder"/>.</param>
/// <param name="OriginalClipConsistency">the same for the original clip, or null.</param>
public sealed record EditMetricsReport(
    double MeanDragDistance,
    double MaxDragDistance,
    double MeanInitialDragDistance,
    IReadOnlyList<double> FrameDragDistances,
    int MeasuredPoints,
    double TemporalMaxFlow,
    double? OriginalTemporalMaxFlow,
    double WarpError,
    double? OriginalWarpError,
    double? PsnrOutsideMask,
    double? MaeOutsideMask,
    double OutsideFraction,
    double? ClipConsistency,
    double? OriginalClipConsistency)
{
    /// <summary>
    /// <see cref="TemporalMaxFlow"/> relative to the original clip's (1 = as steady as the input), or null without a
    /// reference or when the original does not move at all.
    /// </summary>
    public double? TemporalMaxFlowRatio =>
        OriginalTemporalMaxFlow is > 0 ? TemporalMaxFlow / OriginalTemporalMaxFlow.Value : null;
}
