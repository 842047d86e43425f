namespace DragVideo.Editing.Drag;

/// <summary>
/// Settings of the drag-style latent optimisation (DragVideo §3.4, Eqs. 2–5). Defaults: the paper's UI (Fig. 12) and
/// the authors' released code (DragDiffusion conventions).
/// </summary>
public sealed record DragOptimizationOptions
{
    /// <summary>The paper's feature blocks for SD1.5 (2nd and 3rd decoder blocks, 0-based indices 2 and 3).</summary>
    public static IReadOnlyList<int> PaperFeatureBlocks { get; } = new[] { 2, 3 };

    /// <summary>K: motion-supervision steps (paper: 40 "pixel steps").</summary>
    public int Steps { get; init; } = 40;

    /// <summary>η of Eq. 4: Adam learning rate on the latent (paper / released UI: 0.01).</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>λ: weight of the outside-mask term of Eq. 3 (paper "lrm": 0.1).</summary>
    public double MaskWeight { get; init; } = 0.1;

    /// <summary>r: motion-supervision patch radius in feature pixels (released code: 1).</summary>
    public int PatchRadius { get; init; } = 1;

    /// <summary>r': point-tracking window radius in feature pixels (released code: 3).</summary>
    public int TrackingRadius { get; init; } = 3;

    /// <summary>
    /// A pair counts as arrived (and stops contributing) when its handle is within this many feature pixels of its target;
    /// the optimisation stops early when every pair has arrived (released code: 1).
    /// </summary>
    public double ArrivalDistance { get; init; } = 1.0;

    /// <summary>
    /// 0-based indices of the up (decoder) blocks whose outputs form F (Eq. 2). Null means the released code's choice,
    /// the block at index <c>UpBlockCount − 2</c> (index 2 of SD1.5's four). The paper uses 2 and 3
    /// (<see cref="PaperFeatureBlocks"/>); we default to the released code because the paper's pair could not be
    /// measured to do at least as well (see docs/architecture.md).
    /// </summary>
    public IReadOnlyList<int>? FeatureUpBlocks { get; init; }

    /// <summary>
    /// Feature-map size relative to the frame: features are bilinearly resized to
    /// <c>round(H·scale) × round(W·scale)</c> (DragDiffusion: 0.5, i.e. 256×256 for 512×512 frames).
    /// </summary>
    public double FeatureScale { get; init; } = 0.5;

    /// <summary>
    /// When set, the feature map is this many pixels on <em>both</em> sides whatever the frame's aspect (the released
    /// code's square <c>sup_res</c>: 256 for 512-pixel frames); when null, <see cref="FeatureScale"/> decides.
    /// </summary>
    public int? FeatureResolution { get; init; }

    /// <summary>
    /// Frames optimised together: the clip is cut into consecutive chunks of this many frames, each with its own latent
    /// slice, Adam state, point tracking and early stop (the released code's <c>drag_batch</c>, 4 in its scripts). 0 (the
    /// default) optimises the whole clip at once, the paper's video-level setting in which the motion modules couple all
    /// frames. Smaller chunks need proportionally less activation memory per U-Net pass (the peak scales with the chunk's
    /// frame count) at the same total compute, but frames in different chunks no longer see each other through temporal
    /// attention during the drag.
    /// </summary>
    public int DragBatchFrames { get; init; }

    /// <summary>How a sub-pixel handle picks the cell of its patch and tracking window (default nearest; released: truncate).</summary>
    public HandleCellRounding HandleCell { get; init; } = HandleCellRounding.Nearest;

    /// <summary>How frame-pixel points map to feature pixels (default pixel centres; released: scale and round).</summary>
    public DragPointMapping PointMapping { get; init; } = DragPointMapping.PixelCentres;

    /// <summary>When the arrival check runs (default after tracking; released: before tracking, on the previous step's handles).</summary>
    public DragEarlyStopCheck EarlyStop { get; init; } = DragEarlyStopCheck.AfterTracking;

    /// <summary>
    /// The authors' released DragVideo code (<c>DragVideo/utils/drag_utils.py</c>, commit c78d2e3): feature block 2 of 4,
    /// <c>int()</c> truncation of handles, points scaled and rounded half to even onto the feature grid, early stop checked
    /// before tracking, skip and arrival distance 1, r = 1, r' = 3, λ = 0.1, lr 0.01, whole clip per chunk. The released
    /// code's square feature size (<c>sup_res</c>) depends on the frame size, so set <see cref="FeatureResolution"/> to it
    /// (256 for 512-pixel frames); K is the UI's 40. With those two set to a run's values this reproduces the run (the
    /// <c>dragloop</c> golden fixture, tests in <c>DragLoopParityTests</c>). One deliberate difference stays: our tracking
    /// window and patches are clipped at the map border, where the released code can index outside the map and fail.
    /// </summary>
    public static DragOptimizationOptions ReleasedCode { get; } = new()
    {
        Steps = 40,
        LearningRate = 0.01,
        MaskWeight = 0.1,
        PatchRadius = 1,
        TrackingRadius = 3,
        ArrivalDistance = 1.0,
        FeatureUpBlocks = new[] { 2 },
        HandleCell = HandleCellRounding.Truncate,
        PointMapping = DragPointMapping.ScaleAndRound,
        EarlyStop = DragEarlyStopCheck.BeforeTracking,
        DragBatchFrames = 0,
    };

    /// <summary>Feature-map size (width, height) for frames of <paramref name="frameWidth"/> × <paramref name="frameHeight"/>.</summary>
    public (int Width, int Height) FeatureSize(int frameWidth, int frameHeight) =>
        FeatureResolution is { } s ? (s, s) : DragFeatures.Size(frameWidth, frameHeight, FeatureScale);

    /// <summary>Up-block indices to use for a backbone with <paramref name="upBlockCount"/> up blocks.</summary>
    public IReadOnlyList<int> ResolveFeatureBlocks(int upBlockCount)
    {
        var blocks = FeatureUpBlocks ?? new[] { Math.Max(0, upBlockCount - 2) };
        foreach (var b in blocks)
            if (b < 0 || b >= upBlockCount)
                throw new ArgumentOutOfRangeException(nameof(FeatureUpBlocks), b, $"up-block index {b} does not exist; the backbone has {upBlockCount} up blocks.");
        return blocks.Distinct().OrderBy(b => b).ToArray();
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Steps < 0) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "drag steps must be 0 or more.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "the latent learning rate must be a finite number greater than 0.");
        if (!(MaskWeight >= 0) || !double.IsFinite(MaskWeight))
            throw new ArgumentOutOfRangeException(nameof(MaskWeight), MaskWeight, "λ must be a finite number ≥ 0.");
        if (PatchRadius < 0) throw new ArgumentOutOfRangeException(nameof(PatchRadius), PatchRadius, "r must be 0 or more.");
        if (TrackingRadius < 0) throw new ArgumentOutOfRangeException(nameof(TrackingRadius), TrackingRadius, "r' must be 0 or more.");
        if (!(ArrivalDistance >= 0) || !double.IsFinite(ArrivalDistance))
            throw new ArgumentOutOfRangeException(nameof(ArrivalDistance), ArrivalDistance, "the arrival distance must be a finite number ≥ 0.");
        if (FeatureUpBlocks is { Count: 0 }) throw new ArgumentException("at least one feature up block is needed.", nameof(FeatureUpBlocks));
        if (FeatureUpBlocks is not null && FeatureUpBlocks.Any(b => b < 0))
            throw new ArgumentOutOfRangeException(nameof(FeatureUpBlocks), "up-block indices must be ≥ 0.");
        if (!(FeatureScale > 0 && FeatureScale <= 1))
            throw new ArgumentOutOfRangeException(nameof(FeatureScale), FeatureScale, "the feature scale must be in (0, 1].");
        if (FeatureResolution is < 2)
            throw new ArgumentOutOfRangeException(nameof(FeatureResolution), FeatureResolution, "the feature resolution must be at least 2 pixels.");
        if (DragBatchFrames < 0)
            throw new ArgumentOutOfRangeException(nameof(DragBatchFrames), DragBatchFrames, "the drag batch must be 0 (whole clip) or a positive frame count.");
        if (!Enum.IsDefined(HandleCell)) throw new ArgumentOutOfRangeException(nameof(HandleCell), HandleCell, "unknown handle rounding.");
        if (!Enum.IsDefined(PointMapping)) throw new ArgumentOutOfRangeException(nameof(PointMapping), PointMapping, "unknown point mapping.");
        if (!Enum.IsDefined(EarlyStop)) throw new ArgumentOutOfRangeException(nameof(EarlyStop), EarlyStop, "unknown early-stop check.");
    }
}
