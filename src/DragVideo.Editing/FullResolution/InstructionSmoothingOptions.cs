namespace DragVideo.Editing.FullResolution;

/// <summary>
/// Temporal smoothing of a propagated instruction before it drives a full-resolution edit (see
/// <see cref="InstructionSmoother"/>): robust, centred (no lag) smoothing of handles and targets, a motion-compensated
/// majority vote over masks, and exclusion of pixels whose motion disagrees with the dragged content's. Immutable.
/// </summary>
public sealed record InstructionSmoothingOptions
{
    /// <summary>The default options.</summary>
    public static InstructionSmoothingOptions Default { get; } = new();

    /// <summary>
    /// Half-width in working frames of the centred window that fits a local straight line to each handle/target track
    /// (a line through a window centred on the frame follows constant-velocity motion without lag). 0 disables it.
    /// Default 2 (five frames).
    /// </summary>
    public int PointRadius { get; init; } = 2;

    /// <summary>
    /// A tracked point further than this many median absolute deviations (and at least <see cref="MinOutlierPixels"/>)
    /// from the median of its window is an outlier: it is replaced by the window's line before smoothing (Hampel filter).
    /// Default 3.
    /// </summary>
    public double OutlierDeviations { get; init; } = 3;

    /// <summary>Smallest deviation in working pixels that counts as an outlier (tracker noise below this is kept). Default 1.5.</summary>
    public double MinOutlierPixels { get; init; } = 1.5;

    /// <summary>
    /// Half-width in working frames of the motion-compensated majority vote over masks (each neighbour's mask is moved by
    /// the handles' motion before voting). 0 disables it. Default 1.
    /// </summary>
    public int MaskRadius { get; init; } = 1;

    /// <summary>
    /// Pixels of the editable region whose optical flow to the next working frame differs from the handles' motion by
    /// more than this many working pixels are left out of the deformation (something else moving through the region,
    /// e.g. a passer-by in front of a dragged sign). 0 disables it. Default 2.5.
    /// </summary>
    public double FlowDisagreementPixels { get; init; } = 2.5;

    /// <summary>
    /// Largest share of a frame's editable region that may disagree with the handles' motion for the exclusion to apply.
    /// Exclusion is meant for a minority moving through the region (a passer-by); when most of the region disagrees,
    /// the handles' motion is what is unreliable (a tracker following a moving pattern, flow in textureless areas), and
    /// excluding would silently undo the drag, so that frame keeps its whole field. Default 0.5 (a majority).
    /// </summary>
    public double MaxDisagreementFraction { get; init; } = 0.5;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (PointRadius < 0 || PointRadius > 30) throw new ArgumentOutOfRangeException(nameof(PointRadius), PointRadius, "must be in 0 … 30.");
        if (!(OutlierDeviations > 0) || double.IsInfinity(OutlierDeviations)) throw new ArgumentOutOfRangeException(nameof(OutlierDeviations), OutlierDeviations, "must be a finite number > 0.");
        if (!(MinOutlierPixels >= 0) || double.IsInfinity(MinOutlierPixels)) throw new ArgumentOutOfRangeException(nameof(MinOutlierPixels), MinOutlierPixels, "must be a finite number ≥ 0.");
        if (MaskRadius < 0 || MaskRadius > 10) throw new ArgumentOutOfRangeException(nameof(MaskRadius), MaskRadius, "must be in 0 … 10.");
        if (!(MaxDisagreementFraction > 0 && MaxDisagreementFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(MaxDisagreementFraction), MaxDisagreementFraction, "must be in (0, 1].");
        if (!(FlowDisagreementPixels >= 0) || double.IsInfinity(FlowDisagreementPixels)) throw new ArgumentOutOfRangeException(nameof(FlowDisagreementPixels), FlowDisagreementPixels, "must be a finite number ≥ 0 (0 = off).");
    }
}
