namespace DragVideo.Editing.Fast;

/// <summary>
/// Options of the fast weight-free warp backend (<see cref="FastWarpDragEditor"/>). Immutable. The deformation is
/// Schaefer et al. 2006 (rigid MLS); the other defaults were tuned on the demo clip and on <c>vtest.avi</c> at 256 px
/// width (see docs/fast-backend.md).
/// </summary>
public sealed record FastWarpOptions
{
    /// <summary>The default options.</summary>
    public static FastWarpOptions Default { get; } = new();

    /// <summary>Local transform family of the MLS deformation. Default rigid (least texture distortion; Schaefer et al. §2.3).</summary>
    public MlsDeformationKind Kind { get; init; } = MlsDeformationKind.Rigid;

    /// <summary>
    /// MLS weight exponent α in <c>w_i = |p_i − v|^(−2α)</c>. Schaefer et al. use 1; we default to 2 because the many
    /// pinned controls on the mask edge would otherwise outweigh a handle's few controls and shrink the drag just
    /// next to the target (measured: 24 of 30 px at the target's nearest grid node with α = 1, 30.0 with α = 2).
    /// </summary>
    public double Alpha { get; init; } = 2.0;

    /// <summary>
    /// The deformation is evaluated on a grid of one point every <c>GridStride</c> pixels and bilinearly upsampled
    /// (the field is smooth, so this costs ≪ 0.1 px of accuracy and makes it 16× cheaper at the default 4).
    /// </summary>
    public int GridStride { get; init; } = 4;

    /// <summary>At most this many pinned controls are placed on the ring just outside the editable mask (evenly spread).</summary>
    public int MaxPinnedPoints { get; init; } = 64;

    /// <summary>Spacing in pixels of the pinned controls along the frame border (they keep the frame edges fixed).</summary>
    public int BorderPinSpacing { get; init; } = 16;

    /// <summary>Width in pixels of the soft blend inside the mask edge: the displacement fades to 0 over this distance.</summary>
    public int FeatherRadius { get; init; } = 3;

    /// <summary>
    /// Radius in pixels of a ring of extra controls around each target that move rigidly with it, so the handle's
    /// neighbourhood is carried as a whole instead of only its centre point (0 disables it).
    /// </summary>
    public float HandleRadius { get; init; } = 6f;

    /// <summary>Number of controls on each handle ring.</summary>
    public int HandleRingPoints { get; init; } = 8;

    /// <summary>Pinned controls closer than this to a target are dropped (they would contradict the drag).</summary>
    public float PinClearance { get; init; } = 2f;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown MLS kind.");
        if (!(Alpha > 0) || double.IsInfinity(Alpha)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "must be a finite number > 0.");
        if (GridStride < 1 || GridStride > 64) throw new ArgumentOutOfRangeException(nameof(GridStride), GridStride, "must be in 1 … 64.");
        if (MaxPinnedPoints < 0) throw new ArgumentOutOfRangeException(nameof(MaxPinnedPoints), MaxPinnedPoints, "must be ≥ 0.");
        if (BorderPinSpacing < 1) throw new ArgumentOutOfRangeException(nameof(BorderPinSpacing), BorderPinSpacing, "must be ≥ 1.");
        if (FeatherRadius < 0 || FeatherRadius > 64) throw new ArgumentOutOfRangeException(nameof(FeatherRadius), FeatherRadius, "must be in 0 … 64.");
        if (!(HandleRadius >= 0) || float.IsInfinity(HandleRadius)) throw new ArgumentOutOfRangeException(nameof(HandleRadius), HandleRadius, "must be a finite number ≥ 0.");
        if (HandleRingPoints < 0 || HandleRingPoints > 64) throw new ArgumentOutOfRangeException(nameof(HandleRingPoints), HandleRingPoints, "must be in 0 … 64.");
        if (!(PinClearance >= 0) || float.IsInfinity(PinClearance)) throw new ArgumentOutOfRangeException(nameof(PinClearance), PinClearance, "must be a finite number ≥ 0.");
    }
}
