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

    /// <summary>
    /// How frames are deformed: <see cref="FastDeformationMode.Stretch"/> (moving-least-squares warp, the default) or
    /// <see cref="FastDeformationMode.Move"/> (the content around the handles moves as a body and what it uncovers is
    /// filled from other frames, then inpainted; see docs/fast-backend.md).
    /// </summary>
    public FastDeformationMode Mode { get; init; } = FastDeformationMode.Stretch;

    /// <summary>
    /// Local transform family of the MLS deformation (stretch mode). Default rigid (least texture distortion; Schaefer
    /// et al. §2.3).
    /// </summary>
    public MlsDeformationKind Kind { get; init; } = MlsDeformationKind.Rigid;

    /// <summary>
    /// Move mode: transform family of the body, fitted to the pairs (and used to carry the key frame's body to the other
    /// frames along the tracked handles). <see cref="MlsDeformationKind.Similarity"/> (the default) lets the body scale
    /// uniformly when the pairs ask for it — two handles pulled apart enlarge the object; one pair is a pure translation
    /// either way. <see cref="MlsDeformationKind.Rigid"/> keeps its size (measured on the toy world's scenarios that
    /// enlarge the object: rigid leaves it at its old size, 1–2 dB lower inside the mask).
    /// </summary>
    public MlsDeformationKind BodyKind { get; init; } = MlsDeformationKind.Similarity;

    /// <summary>
    /// MLS weight exponent α in <c>w_i = |p_i − v|^(−2α)</c>. Schaefer et al. use 1; with α = 1 the many pinned controls
    /// outweigh a handle's few controls right next to it (measured on the demo clip: the handle's content lands 2.2 px
    /// short of the target), larger α makes the fall-off steeper, which moves the background next to a moving object
    /// more from frame to frame (Eq. 8 of the edit 1.20× the original's at α = 2 with mask pins only). 1.5 balances
    /// both (0.3 px, 1.0–1.08×).
    /// </summary>
    public double Alpha { get; init; } = 1.5;

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

    /// <summary>
    /// Pins are also placed on the boundary of the region within <c>R = max(MinInfluenceRadius, InfluenceScale × drag
    /// length) + HandleRadius</c> of each handle→target segment, so content farther than R from every drag stays put
    /// even inside a large mask. This makes the deformation depend on the (tracked) drags rather than on the exact
    /// outline of the propagated mask, which changes from frame to frame. Too small a radius makes the deformation
    /// steep, and a steep deformation travelling with an object over a still background shows as background motion
    /// (measured on the demo clip with the default propagator, Eq. 8 of the edit relative to the original's: 1.29× at
    /// 0.75, 1.06× at 1.5, 1.08× with mask pins only). 0 disables these pins.
    /// </summary>
    public float InfluenceScale { get; init; } = 1.5f;

    /// <summary>Smallest influence radius in pixels (before adding <see cref="HandleRadius"/>), see <see cref="InfluenceScale"/>.</summary>
    public float MinInfluenceRadius { get; init; } = 16f;

    /// <summary>Spacing in pixels of the pins on the influence boundary.</summary>
    public float InfluencePinSpacing { get; init; } = 4f;

    /// <summary>Pinned controls closer than this to a target are dropped (they would contradict the drag).</summary>
    public float PinClearance { get; init; } = 2f;

    /// <summary>
    /// Move mode: when the best body transform misses a frame's target by more than this many pixels (the pairs ask for
    /// a stretch, not a move), the edit falls back to stretch mode and says so in <see cref="EditResult.Notes"/>.
    /// Default 3.
    /// </summary>
    public float MaxFitResidual { get; init; } = 3f;

    /// <summary>Move mode: width in pixels of the soft edge of the moved body (a box ramp either side of its outline). Default 1.</summary>
    public int BodyFeather { get; init; } = 1;

    /// <summary>
    /// Move mode: the area where the body was is grown by this many pixels before it is filled, so the object's fringe
    /// and small tracking errors are not left behind. Default 3.
    /// </summary>
    public int BodyMargin { get; init; } = 3;

    /// <summary>
    /// Move mode: fill what the body uncovers from the other frames of the clip where that background is visible
    /// (nearest frames first); off = spatial inpainting only. Default true.
    /// </summary>
    public bool FillFromOtherFrames { get; init; } = true;

    /// <summary>
    /// Move mode: align the other frames' background by its global motion (an affine fit to optical flow outside the
    /// moving body, chained between consecutive frames) before filling from them; off assumes a still camera. Default true.
    /// </summary>
    public bool AlignBackground { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode)) throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "unknown deformation mode.");
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown MLS kind.");
        if (!Enum.IsDefined(BodyKind)) throw new ArgumentOutOfRangeException(nameof(BodyKind), BodyKind, "unknown body transform kind.");
        if (!(Alpha > 0) || double.IsInfinity(Alpha)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "must be a finite number > 0.");
        if (GridStride < 1 || GridStride > 64) throw new ArgumentOutOfRangeException(nameof(GridStride), GridStride, "must be in 1 … 64.");
        if (MaxPinnedPoints < 0) throw new ArgumentOutOfRangeException(nameof(MaxPinnedPoints), MaxPinnedPoints, "must be ≥ 0.");
        if (BorderPinSpacing < 1) throw new ArgumentOutOfRangeException(nameof(BorderPinSpacing), BorderPinSpacing, "must be ≥ 1.");
        if (FeatherRadius < 0 || FeatherRadius > 64) throw new ArgumentOutOfRangeException(nameof(FeatherRadius), FeatherRadius, "must be in 0 … 64.");
        if (!(HandleRadius >= 0) || float.IsInfinity(HandleRadius)) throw new ArgumentOutOfRangeException(nameof(HandleRadius), HandleRadius, "must be a finite number ≥ 0.");
        if (HandleRingPoints < 0 || HandleRingPoints > 64) throw new ArgumentOutOfRangeException(nameof(HandleRingPoints), HandleRingPoints, "must be in 0 … 64.");
        if (!(InfluenceScale >= 0) || float.IsInfinity(InfluenceScale)) throw new ArgumentOutOfRangeException(nameof(InfluenceScale), InfluenceScale, "must be a finite number ≥ 0.");
        if (!(MinInfluenceRadius >= 0) || float.IsInfinity(MinInfluenceRadius)) throw new ArgumentOutOfRangeException(nameof(MinInfluenceRadius), MinInfluenceRadius, "must be a finite number ≥ 0.");
        if (!(InfluencePinSpacing >= 0.5f) || float.IsInfinity(InfluencePinSpacing)) throw new ArgumentOutOfRangeException(nameof(InfluencePinSpacing), InfluencePinSpacing, "must be a finite number ≥ 0.5.");
        if (!(MaxFitResidual >= 0) || float.IsInfinity(MaxFitResidual)) throw new ArgumentOutOfRangeException(nameof(MaxFitResidual), MaxFitResidual, "must be a finite number ≥ 0.");
        if (BodyFeather < 0 || BodyFeather > 16) throw new ArgumentOutOfRangeException(nameof(BodyFeather), BodyFeather, "must be in 0 … 16.");
        if (BodyMargin < 0 || BodyMargin > 32) throw new ArgumentOutOfRangeException(nameof(BodyMargin), BodyMargin, "must be in 0 … 32.");
        if (!(PinClearance >= 0) || float.IsInfinity(PinClearance)) throw new ArgumentOutOfRangeException(nameof(PinClearance), PinClearance, "must be a finite number ≥ 0.");
    }
}
