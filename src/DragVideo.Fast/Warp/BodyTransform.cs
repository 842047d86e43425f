namespace DragVideo.Editing.Fast;

/// <summary>
/// A 2-D similarity <c>p ↦ a·p + t</c> written with complex numbers (<c>a = A + iB</c>: rotation and uniform scale
/// |a|, <c>t = (Tx, Ty)</c>), fitted by least squares to point pairs. Float64.
/// </summary>
internal readonly record struct BodyTransform(double A, double B, double Tx, double Ty)
{
    /// <summary>The identity.</summary>
    public static BodyTransform Identity => new(1, 0, 0, 0);

    /// <summary>Uniform scale |a|.</summary>
    public double Scale => Math.Sqrt(A * A + B * B);

    /// <summary>Maps a point.</summary>
    public (double X, double Y) Apply(double x, double y) => (A * x - B * y + Tx, B * x + A * y + Ty);

    /// <summary>Maps a point.</summary>
    public DragPoint Apply(DragPoint p)
    {
        var (x, y) = Apply(p.X, p.Y);
        return new DragPoint((float)x, (float)y);
    }

    /// <summary>The inverse map (the scale must be non-zero).</summary>
    public BodyTransform Inverse()
    {
        double n = A * A + B * B;
        double ia = A / n, ib = -B / n;
        // p = a⁻¹ (q − t)  ⇒  t' = −a⁻¹ t
        return new BodyTransform(ia, ib, -(ia * Tx - ib * Ty), -(ib * Tx + ia * Ty));
    }

    /// <summary>This map followed by <paramref name="next"/>.</summary>
    public BodyTransform Then(BodyTransform next) =>
        new(next.A * A - next.B * B, next.B * A + next.A * B,
            next.A * Tx - next.B * Ty + next.Tx, next.B * Tx + next.A * Ty + next.Ty);

    /// <summary>
    /// Least-squares fit of <c>from[i] ↦ to[i]</c> (Umeyama's closed form without reflections; for one pair, or pairs
    /// at one point, a pure translation). <paramref name="kind"/> Rigid keeps |a| = 1.
    /// </summary>
    public static BodyTransform Fit(IReadOnlyList<DragPoint> from, IReadOnlyList<DragPoint> to, MlsDeformationKind kind)
    {
        if (from.Count != to.Count || from.Count == 0)
            throw new ArgumentException($"need equally many points (≥ 1); got {from.Count} and {to.Count}.", nameof(to));
        int n = from.Count;
        double pcx = 0, pcy = 0, qcx = 0, qcy = 0;
        for (int i = 0; i < n; i++) { pcx += from[i].X; pcy += from[i].Y; qcx += to[i].X; qcy += to[i].Y; }
        pcx /= n; pcy /= n; qcx /= n; qcy /= n;
        double ss = 0, re = 0, im = 0;
        for (int i = 0; i < n; i++)
        {
            double px = from[i].X - pcx, py = from[i].Y - pcy, qx = to[i].X - qcx, qy = to[i].Y - qcy;
            ss += px * px + py * py;
            // conj(P)·Q
            re += px * qx + py * qy;
            im += px * qy - py * qx;
        }
        double a = 1, b = 0;
        if (ss > 1e-6 && (re != 0 || im != 0))
        {
            if (kind == MlsDeformationKind.Similarity) { a = re / ss; b = im / ss; }
            else { double m = Math.Sqrt(re * re + im * im); a = re / m; b = im / m; }
        }
        return new BodyTransform(a, b, qcx - (a * pcx - b * pcy), qcy - (b * pcx + a * pcy));
    }

    /// <summary>Largest distance between the mapped <paramref name="from"/> points and <paramref name="to"/>.</summary>
    public double MaxResidual(IReadOnlyList<DragPoint> from, IReadOnlyList<DragPoint> to)
    {
        double worst = 0;
        for (int i = 0; i < from.Count; i++)
        {
            var (x, y) = Apply(from[i].X, from[i].Y);
            worst = Math.Max(worst, Math.Sqrt((x - to[i].X) * (x - to[i].X) + (y - to[i].Y) * (y - to[i].Y)));
        }
        return worst;
    }
}
