using static TorchSharp.torch;

namespace DragVideo.Editing.Drag;

/// <summary>
/// The paper's drag objective (Eq. 3), in the form of the authors' released code:
/// <code>
/// L = ( Σ_i Σ_j (2r+1)² · mean‖F_{q+d_ij}(ẑ_t) − sg(F_q(ẑ_t))‖₁ over q ∈ B_r(p_ij)
///       + λ · Σ |ẑ_{t−1} − sg(z_{t−1})| ⊙ (1 − M) ) / frames
/// </code>
/// with <c>d_ij = (t_ij − p_ij)/‖t_ij − p_ij‖</c>, <c>F_{q+d}</c> read bilinearly, and the stop-gradient on the patch at
/// the handle, so content is pulled from p toward p + d and not the reverse. A pair whose handle is already within
/// <see cref="ArrivalDistance"/> feature pixels of its target contributes nothing. The mask term is skipped when the
/// previous latents are not supplied (e.g. no fixed region). Its pieces (<see cref="PairTerm"/>, <see cref="MaskTerm"/>)
/// are public so custom objectives can reuse them.
/// </summary>
public sealed class MotionSupervisionLoss : IDragObjective
{
    /// <summary>Creates the objective.</summary>
    /// <param name="patchRadius">r: patch radius in feature pixels (DragDiffusion / released code: 1).</param>
    /// <param name="maskWeight">λ: weight of the outside-mask term (paper: 0.1).</param>
    /// <param name="arrivalDistance">pairs closer than this (feature pixels) contribute nothing (released code: 1).</param>
    /// <param name="cellRounding">how a sub-pixel handle picks its patch's centre cell (released code: truncation).</param>
    public MotionSupervisionLoss(int patchRadius = 1, double maskWeight = 0.1, double arrivalDistance = 1.0,
        HandleCellRounding cellRounding = HandleCellRounding.Nearest)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patchRadius);
        if (!(maskWeight >= 0) || !double.IsFinite(maskWeight))
            throw new ArgumentOutOfRangeException(nameof(maskWeight), maskWeight, "λ must be a finite number ≥ 0.");
        if (!(arrivalDistance >= 0) || !double.IsFinite(arrivalDistance))
            throw new ArgumentOutOfRangeException(nameof(arrivalDistance), arrivalDistance, "the arrival distance must be a finite number ≥ 0.");
        PatchRadius = patchRadius;
        MaskWeight = maskWeight;
        ArrivalDistance = arrivalDistance;
        CellRounding = cellRounding;
    }

    /// <summary>The objective configured by <paramref name="options"/> (r, λ, arrival distance, cell rounding): the one place
    /// it is built from options.</summary>
    public static MotionSupervisionLoss FromOptions(DragOptimizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new MotionSupervisionLoss(options.PatchRadius, options.MaskWeight, options.ArrivalDistance, options.HandleCell);
    }

    /// <summary>How a sub-pixel handle picks its patch's centre cell.</summary>
    public HandleCellRounding CellRounding { get; }

    /// <summary>r: patch radius in feature pixels.</summary>
    public int PatchRadius { get; }

    /// <summary>λ: weight of the outside-mask term.</summary>
    public double MaskWeight { get; }

    /// <summary>Pairs closer than this (feature pixels) contribute nothing.</summary>
    public double ArrivalDistance { get; }

    /// <inheritdoc />
    public bool NeedsPreviousLatents => MaskWeight > 0;

    /// <inheritdoc />
    public Tensor ComputeLoss(DragObjectiveInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var features = input.Features;
        if (features.dim() != 4) throw new ArgumentException($"features must be [F, C, H, W]; got [{string.Join(", ", features.shape)}].", nameof(input));
        int frames = (int)features.shape[0];
        if (input.Pairs.Count != frames)
            throw new ArgumentException($"pairs are given for {input.Pairs.Count} frames; the features have {frames}.", nameof(input));
        return ComputeLoss(input.Pairs, (i, pair) => (features[i], pair), input.EditedPrevLatent, input.OriginalPrevLatent, input.LatentMask);
    }

    /// <summary>
    /// The objective with the features read per pair by <paramref name="read"/>: for frame i and a pair, a map
    /// <c>[C, H, W]</c> and the pair in that map's pixels (the whole frame's map, or a window around the handle).
    /// </summary>
    internal Tensor ComputeLoss(IReadOnlyList<IReadOnlyList<DragPair>> pairs, Func<int, DragPair, (Tensor Map, DragPair Pair)> read,
        Tensor? editedPrevLatent, Tensor? originalPrevLatent, Tensor latentMask)
    {
        using var scope = NewDisposeScope();
        var total = zeros(Array.Empty<long>(), dtype: ScalarType.Float32, device: latentMask.device);
        for (int i = 0; i < pairs.Count; i++)
        {
            foreach (var pair in pairs[i])
            {
                if (!(pair.Length >= ArrivalDistance) || pair.Length == 0) continue;
                var (map, local) = read(i, pair);
                var term = PairTerm(map, local, PatchRadius, ArrivalDistance, CellRounding);
                if (term is not null) total = total.add(term.to_type(ScalarType.Float32));
            }
        }
        if (MaskWeight > 0 && editedPrevLatent is not null && originalPrevLatent is not null)
            total = total.add(MaskTerm(editedPrevLatent, originalPrevLatent, latentMask).mul(MaskWeight));
        return total.div(pairs.Count).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The motion-supervision term of one pair on one frame's features <c>[C, H, W]</c>:
    /// <c>(2r+1)² · mean |F(q + d) − sg(F(q))|</c> over the patch cells q (clipped to the map) and channels, or null
    /// when the handle is within <paramref name="arrivalDistance"/> of the target. The patch is centred on the handle's
    /// cell (chosen by <paramref name="cellRounding"/>); away from the border the shifted patch is read with the released
    /// code's four-tap interpolation (<see cref="FeaturePatch.ShiftedPatch"/>), at the border with clipped cells and
    /// border-clamped bilinear reads.
    /// </summary>
    public static Tensor? PairTerm(Tensor frameFeatures, DragPair pair, int patchRadius, double arrivalDistance,
        HandleCellRounding cellRounding = HandleCellRounding.Nearest)
    {
        ArgumentNullException.ThrowIfNull(frameFeatures);
        ArgumentNullException.ThrowIfNull(pair);
        float length = pair.Length;
        if (!(length >= arrivalDistance) || length == 0) return null;
        float dx = (pair.Target.X - pair.Handle.X) / length, dy = (pair.Target.Y - pair.Handle.Y) / length;
        int side = 2 * patchRadius + 1;
        int cx = FeaturePatch.CellOf(pair.Handle.X, cellRounding), cy = FeaturePatch.CellOf(pair.Handle.Y, cellRounding);
        using var scope = NewDisposeScope();
        using var frozen = frameFeatures.detach();
        var anchorPatch = FeaturePatch.Patch(frozen, cx, cy, patchRadius);
        var shiftedPatch = anchorPatch is null ? null : FeaturePatch.ShiftedPatch(frameFeatures, cx, cy, patchRadius, dx, dy);
        if (anchorPatch is not null && shiftedPatch is not null)
            return nn.functional.l1_loss(anchorPatch, shiftedPatch).mul(side * side).MoveToOuterDisposeScope();
        var cells = FeaturePatch.Cells(pair.Handle, patchRadius, (int)frameFeatures.shape[2], (int)frameFeatures.shape[1], cellRounding);
        if (cells.Count == 0) return null;
        var anchor = FeaturePatch.Gather(frozen, cells);
        var shifted = FeaturePatch.Sample(frameFeatures, cells.Select(c => (c.X + dx, c.Y + dy)).ToList());
        return nn.functional.l1_loss(anchor, shifted).mul(side * side).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The unweighted outside-mask term <c>Σ |ẑ_{t−1} − sg(z_{t−1})| ⊙ (1 − M)</c> for latents <c>[1, C, F, h, w]</c>
    /// and a latent-size mask <c>[F, 1, h, w]</c> (1 = editable).
    /// </summary>
    public static Tensor MaskTerm(Tensor editedPrevLatent, Tensor originalPrevLatent, Tensor latentMask)
    {
        ArgumentNullException.ThrowIfNull(editedPrevLatent);
        ArgumentNullException.ThrowIfNull(originalPrevLatent);
        ArgumentNullException.ThrowIfNull(latentMask);
        using var scope = NewDisposeScope();
        var keep = latentMask.to_type(editedPrevLatent.dtype).permute(1, 0, 2, 3).unsqueeze(0).neg().add(1); // [1, 1, F, h, w]
        return editedPrevLatent.sub(originalPrevLatent.detach()).mul(keep).abs().sum().to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
