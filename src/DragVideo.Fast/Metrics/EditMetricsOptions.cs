namespace DragVideo.Editing.Metrics;

/// <summary>Options of <see cref="EditMetrics"/>. Immutable; defaults suit 256–512 px clips.</summary>
public sealed record EditMetricsOptions
{
    /// <summary>The default options.</summary>
    public static EditMetricsOptions Default { get; } = new();

    /// <summary>
    /// Pixels by which each frame's editable mask is grown before measuring fidelity outside it, so that the soft edge
    /// of an edit is not counted as damage.
    /// </summary>
    public int MaskDilation { get; init; } = 8;

    /// <summary>Half-size in pixels of the square patch that describes a handle's original content (patch 2r+1).</summary>
    public int PatchRadius { get; init; } = 7;

    /// <summary>
    /// The handle's content is searched in the edited frame inside the bounding box of handle and target grown by this
    /// many pixels (the content is expected somewhere between where it was and where it was dragged to).
    /// </summary>
    public int SearchMargin { get; init; } = 16;

    /// <summary>PSNR reported for identical pixels (an infinite PSNR is capped to this, in dB).</summary>
    public double PsnrCap { get; init; } = 100;

    /// <summary>
    /// Also locate the handle's content with the optical flow from the original to the edited frame, keeping whichever
    /// of flow and patch matching explains the content better (patch matching alone when false).
    /// </summary>
    public bool UseFlowForDragAccuracy { get; init; } = true;

    /// <summary>
    /// The temporal metrics ignore pixels closer than this to the frame edge: content entering or leaving the frame has
    /// no correspondence, and a weight-free coarse-to-fine flow returns arbitrary vectors there (measured on a 128² window
    /// moving 5 px per frame: max magnitude 47 px over the whole frame, 9.7 px beyond 8 px of the edge, 5.3 px beyond 12).
    /// </summary>
    public int FlowBorderMargin { get; init; } = 12;

    /// <summary>
    /// Measure every n-th frame: drag accuracy on frames 0, n, 2n, … and the temporal measures on the pairs (t, t+1) for
    /// those t (fidelity always uses every frame). 1 (default) = every frame; larger values make long full-rate clips
    /// affordable at the price of sampling.
    /// </summary>
    public int FrameStride { get; init; } = 1;

    /// <summary>Also compute the temporal metrics of the original clip, as a reference (the paper compares with it).</summary>
    public bool IncludeOriginalReference { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (MaskDilation < 0 || MaskDilation > 256) throw new ArgumentOutOfRangeException(nameof(MaskDilation), MaskDilation, "must be in 0 … 256.");
        if (PatchRadius < 1 || PatchRadius > 64) throw new ArgumentOutOfRangeException(nameof(PatchRadius), PatchRadius, "must be in 1 … 64.");
        if (SearchMargin < 0 || SearchMargin > 512) throw new ArgumentOutOfRangeException(nameof(SearchMargin), SearchMargin, "must be in 0 … 512.");
        if (FlowBorderMargin < 0 || FlowBorderMargin > 256) throw new ArgumentOutOfRangeException(nameof(FlowBorderMargin), FlowBorderMargin, "must be in 0 … 256.");
        if (FrameStride < 1 || FrameStride > 10000) throw new ArgumentOutOfRangeException(nameof(FrameStride), FrameStride, "must be in 1 … 10000.");
        if (!(PsnrCap > 0) || double.IsInfinity(PsnrCap)) throw new ArgumentOutOfRangeException(nameof(PsnrCap), PsnrCap, "must be a finite number > 0.");
    }
}
