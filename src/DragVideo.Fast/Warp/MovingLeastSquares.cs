using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Fast;

/// <summary>
/// Moving-least-squares point deformation (Schaefer et al. 2006), vectorised over all evaluation points at once.
/// Each evaluation point v gets its own best transform l_v of the controls <c>from_i → to_i</c>, weighted by
/// <c>w_i = 1 / |from_i − v|^(2α)</c> (Eq. 1 of the paper); the result is <c>l_v(v)</c>. The map interpolates the
/// controls exactly and is smooth elsewhere.
/// </summary>
/// <remarks>
/// In two dimensions the rigid and similarity solutions have a closed form when points are read as complex numbers
/// x + iy: with weighted centroids p*, q* and centred controls p̂_i = from_i − p*, q̂_i = to_i − q*, let
/// <c>c = Σ w_i conj(p̂_i) q̂_i</c>. The similarity transform is <c>(v − p*)·c / Σ w_i|p̂_i|² + q*</c> (§2.2) and the
/// rigid one is <c>(v − p*)·c/|c| + q*</c> (§2.3; the same as normalising f_r(v) in Eq. 8 of the paper).
/// The computation runs in float64 so that the huge weights next to a control stay exact.
/// </remarks>
public static class MovingLeastSquares
{
    /// <summary>Added to squared distances so the weight at a control is large but finite.</summary>
    private const double DistanceEpsilon = 1e-12;

    /// <summary>
    /// Deforms <paramref name="points"/> by the MLS map that sends <paramref name="from"/>[i] to <paramref name="to"/>[i].
    /// </summary>
    /// <param name="points">evaluation points, float <c>[N, 2]</c> as (x, y) in pixels, any device.</param>
    /// <param name="from">control positions in the domain, <c>[K, 2]</c> (x, y), K ≥ 1.</param>
    /// <param name="to">where each control goes, <c>[K, 2]</c> (x, y).</param>
    /// <param name="kind">rigid (default) or similarity transforms.</param>
    /// <param name="alpha">weight fall-off exponent α &gt; 0 (the paper uses 1).</param>
    /// <returns>the deformed points, <c>[N, 2]</c>, dtype of <paramref name="points"/>; the caller owns it.</returns>
    /// <exception cref="ArgumentException">a shape is wrong or the control counts differ.</exception>
    public static Tensor Deform(Tensor points, Tensor from, Tensor to, MlsDeformationKind kind = MlsDeformationKind.Rigid, double alpha = 1.0)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (points.dim() != 2 || points.shape[1] != 2)
            throw new ArgumentException($"points must be [N, 2]; got [{string.Join(", ", points.shape)}].", nameof(points));
        if (from.dim() != 2 || from.shape[1] != 2 || from.shape[0] < 1)
            throw new ArgumentException($"from must be [K, 2] with K ≥ 1; got [{string.Join(", ", from.shape)}].", nameof(from));
        if (to.dim() != 2 || !to.shape.SequenceEqual(from.shape))
            throw new ArgumentException($"to must have the shape of from [{string.Join(", ", from.shape)}]; got [{string.Join(", ", to.shape)}].", nameof(to));
        if (!(alpha > 0) || double.IsInfinity(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be a finite number greater than 0.");

        using var scope = NewDisposeScope();
        var v = points.to_type(ScalarType.Float64);
        var p = from.to(v.device).to_type(ScalarType.Float64);
        var q = to.to(v.device).to_type(ScalarType.Float64);

        // Eq. 1 weights: w_i(v) = 1 / |p_i − v|^(2α), [N, K].
        var d2 = (v.unsqueeze(1) - p.unsqueeze(0)).square().sum(2) + DistanceEpsilon;
        var w = alpha == 1.0 ? d2.reciprocal() : d2.pow(-alpha);
        var wSum = w.sum(1, keepdim: true);

        // Weighted centroids p*, q*: [N, 2].
        var pStar = w.matmul(p) / wSum;
        var qStar = w.matmul(q) / wSum;

        // Centred controls per point: [N, K] per coordinate.
        var phx = p[TensorIndex.Colon, 0].unsqueeze(0) - pStar[TensorIndex.Colon, 0].unsqueeze(1);
        var phy = p[TensorIndex.Colon, 1].unsqueeze(0) - pStar[TensorIndex.Colon, 1].unsqueeze(1);
        var qhx = q[TensorIndex.Colon, 0].unsqueeze(0) - qStar[TensorIndex.Colon, 0].unsqueeze(1);
        var qhy = q[TensorIndex.Colon, 1].unsqueeze(0) - qStar[TensorIndex.Colon, 1].unsqueeze(1);

        // c = Σ w conj(p̂) q̂ (complex), [N].
        var cRe = (w * (phx * qhx + phy * qhy)).sum(1);
        var cIm = (w * (phx * qhy - phy * qhx)).sum(1);

        Tensor mRe, mIm;
        if (kind == MlsDeformationKind.Similarity)
        {
            // μ_s = Σ w |p̂|² (§2.2); a single control gives μ_s = 0 → pure translation.
            var mu = (w * (phx.square() + phy.square())).sum(1);
            var safe = mu.gt(0);
            var denom = torch.where(safe, mu, torch.ones_like(mu));
            mRe = torch.where(safe, cRe / denom, torch.ones_like(mu));
            mIm = torch.where(safe, cIm / denom, torch.zeros_like(mu));
        }
        else
        {
            // Rigid (§2.3): the rotation closest to c; |c| = 0 (one control, or degenerate) → identity rotation.
            var norm = (cRe.square() + cIm.square()).sqrt();
            var safe = norm.gt(0);
            var denom = torch.where(safe, norm, torch.ones_like(norm));
            mRe = torch.where(safe, cRe / denom, torch.ones_like(norm));
            mIm = torch.where(safe, cIm / denom, torch.zeros_like(norm));
        }

        var dx = v[TensorIndex.Colon, 0] - pStar[TensorIndex.Colon, 0];
        var dy = v[TensorIndex.Colon, 1] - pStar[TensorIndex.Colon, 1];
        var outX = dx * mRe - dy * mIm + qStar[TensorIndex.Colon, 0];
        var outY = dx * mIm + dy * mRe + qStar[TensorIndex.Colon, 1];
        return torch.stack(new[] { outX, outY }, 1).to_type(points.dtype).MoveToOuterDisposeScope();
    }
}
