namespace DragVideo.Tracking;

/// <summary>
/// Settings of the weight-free instruction propagation (points, masks). Defaults follow the paper (§3.3, UI defaults
/// in Fig. 12) and the authors' released code where they specify a value.
/// </summary>
public sealed record PropagationOptions
{
    /// <summary>Mask growth radius in pixels (the paper's UI "radius", default 10): each frame's mask is dilated by it.</summary>
    public int Radius { get; init; } = 10;

    /// <summary>
    /// Stretch each frame's mask along its drag vectors so the target area is editable too (the released code does).
    /// Default true.
    /// </summary>
    public bool StretchMaskAlongDrag { get; init; } = true;

    /// <summary>
    /// When false (default, the released code's rule) the target in frame i is the tracked handle plus the blend of the
    /// neighbouring key frames' drag vectors; when true the key-frame targets are tracked as scene points themselves.
    /// </summary>
    public bool TrackTargets { get; init; }

    /// <summary>Forward–backward error (px) above which a tracked point counts as lost/occluded. Default 1.</summary>
    public double ForwardBackwardThreshold { get; init; } = 1.0;

    /// <summary>Appearance error (<c>1 − ZNCC</c>) above which a tracked point counts as lost/occluded. Default 0.5.</summary>
    public double AppearanceThreshold { get; init; } = 0.5;

    /// <summary>Point-tracker settings; its thresholds are replaced by the two above.</summary>
    public LucasKanadeOptions Tracker { get; init; } = new();

    /// <summary>Dense-flow settings used to carry masks.</summary>
    public OpticalFlowOptions Flow { get; init; } = new();

    /// <summary>Threshold applied to a warped (soft) mask. Default 0.5.</summary>
    public double MaskThreshold { get; init; } = 0.5;

    /// <summary>
    /// Mean absolute colour difference (images in [0, 1], smoothed over ~1 px) between a frame and the key frame warped
    /// onto it above which a pixel counts as not visible in the key frame, so it does not inherit the key mask
    /// (uncovered background behind a moving object). 0 disables the check. Default 0.08.
    /// </summary>
    public double MaskOcclusionThreshold { get; init; } = 0.08;

    /// <summary>
    /// Also warp each key mask by an affine motion fitted to the flow of the mask's interior and take the union with
    /// the dense warp, so object edges do not lag where the dense flow blurs the motion boundary. Default true.
    /// </summary>
    public bool MaskAffineFit { get; init; } = true;

    /// <summary>Radius (px) of the morphological closing applied to each carried mask before growth. Default 2.</summary>
    public int MaskCloseRadius { get; init; } = 2;

    /// <summary>
    /// Connected components (4-neighbourhood) of a carried mask smaller than this fraction of the key-frame mask's area
    /// are removed, and holes smaller than it are filled. Default 0.02.
    /// </summary>
    public double MaskSpeckleFraction { get; init; } = 0.02;

    /// <summary>
    /// Opt-in: LibTorch intra-op threads to use during the call, restored afterwards. Default 0: the library leaves the
    /// process-wide setting alone. LibTorch's thread count is global, so a non-zero value also applies to torch work on
    /// other threads while the call runs; set it only in a host that runs one edit at a time, or instead set the count
    /// once at start-up (<c>torch.set_num_threads</c>). Tracking issues many small operations that run fastest on one
    /// thread (on a busy 2-core box one 256² flow took 59 ms with 1 thread, 2.9 s with 2).
    /// </summary>
    public int TorchThreads { get; init; }

    /// <summary>The tracker settings with this record's thresholds applied.</summary>
    public LucasKanadeOptions EffectiveTracker => Tracker with
    {
        ForwardBackwardThreshold = ForwardBackwardThreshold,
        AppearanceThreshold = AppearanceThreshold,
    };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting outside its range.</summary>
    public PropagationOptions Validate()
    {
        if (Radius < 0) throw new ArgumentOutOfRangeException(nameof(Radius), Radius, "must be ≥ 0.");
        if (!(ForwardBackwardThreshold > 0)) throw new ArgumentOutOfRangeException(nameof(ForwardBackwardThreshold), ForwardBackwardThreshold, "must be > 0.");
        if (!(AppearanceThreshold > 0) || AppearanceThreshold > 2) throw new ArgumentOutOfRangeException(nameof(AppearanceThreshold), AppearanceThreshold, "must be in (0, 2].");
        if (!(MaskThreshold > 0) || !(MaskThreshold < 1)) throw new ArgumentOutOfRangeException(nameof(MaskThreshold), MaskThreshold, "must be in (0, 1).");
        if (MaskOcclusionThreshold < 0) throw new ArgumentOutOfRangeException(nameof(MaskOcclusionThreshold), MaskOcclusionThreshold, "must be ≥ 0.");
        if (MaskCloseRadius < 0) throw new ArgumentOutOfRangeException(nameof(MaskCloseRadius), MaskCloseRadius, "must be ≥ 0.");
        if (MaskSpeckleFraction < 0 || MaskSpeckleFraction >= 1) throw new ArgumentOutOfRangeException(nameof(MaskSpeckleFraction), MaskSpeckleFraction, "must be in [0, 1).");
        ArgumentNullException.ThrowIfNull(Tracker);
        ArgumentNullException.ThrowIfNull(Flow);
        EffectiveTracker.Validate();
        Flow.Validate();
        if (TorchThreads < 0) throw new ArgumentOutOfRangeException(nameof(TorchThreads), TorchThreads, "must be ≥ 0 (0 = unchanged).");
        return this;
    }
}
