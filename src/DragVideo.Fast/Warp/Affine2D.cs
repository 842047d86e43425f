namespace DragVideo.Editing.Fast;

/// <summary>A 2-D affine map <c>(x, y) ↦ (M00 x + M01 y + M02, M10 x + M11 y + M12)</c>, float64.</summary>
internal readonly record struct Affine2D(double M00, double M01, double M02, double M10, double M11, double M12)
{
    /// <summary>The identity.</summary>
    public static Affine2D Identity => new(1, 0, 0, 0, 1, 0);

    /// <summary>Maps a point.</summary>
    public (double X, double Y) Apply(double x, double y) => (M00 * x + M01 * y + M02, M10 * x + M11 * y + M12);

    /// <summary>This map followed by <paramref name="next"/>.</summary>
    public Affine2D Then(Affine2D next) => new(
        next.M00 * M00 + next.M01 * M10, next.M00 * M01 + next.M01 * M11, next.M00 * M02 + next.M01 * M12 + next.M02,
        next.M10 * M00 + next.M11 * M10, next.M10 * M01 + next.M11 * M11, next.M10 * M02 + next.M11 * M12 + next.M12);

    /// <summary>The inverse map (identity when singular).</summary>
    public Affine2D Inverse()
    {
        double det = M00 * M11 - M01 * M10;
        if (Math.Abs(det) < 1e-12) return Identity;
        double i00 = M11 / det, i01 = -M01 / det, i10 = -M10 / det, i11 = M00 / det;
        return new Affine2D(i00, i01, -(i00 * M02 + i01 * M12), i10, i11, -(i10 * M02 + i11 * M12));
    }

    /// <summary>A body transform as an affine map.</summary>
    public static Affine2D From(BodyTransform t) => new(t.A, -t.B, t.Tx, t.B, t.A, t.Ty);

    /// <summary>
    /// Robust least-squares fit of <c>(x, y) ↦ (x + dx, y + dy)</c> over the given samples: a fit, then two refits on the
    /// samples whose residual is within <c>max(0.5 px, 2.5 × median residual)</c> (other moving objects are outliers).
    /// Returns the identity when fewer than 12 samples are given.
    /// </summary>
    public static Affine2D FitDisplacements(IReadOnlyList<(float X, float Y, float Dx, float Dy)> samples)
    {
        if (samples.Count < 12) return Identity;
        var use = new bool[samples.Count];
        Array.Fill(use, true);
        var fit = Identity;
        for (int round = 0; round < 3; round++)
        {
            if (!TrySolve(samples, use, out var next)) break;
            fit = next;
            var res = new double[samples.Count];
            for (int i = 0; i < samples.Count; i++)
            {
                var s = samples[i];
                var (x, y) = fit.Apply(s.X, s.Y);
                res[i] = Math.Sqrt((x - s.X - s.Dx) * (x - s.X - s.Dx) + (y - s.Y - s.Dy) * (y - s.Y - s.Dy));
            }
            var sorted = (double[])res.Clone();
            Array.Sort(sorted);
            double limit = Math.Max(0.5, 2.5 * sorted[sorted.Length / 2]);
            int kept = 0;
            for (int i = 0; i < use.Length; i++) { use[i] = res[i] <= limit; if (use[i]) kept++; }
            if (kept < 12) break;
        }
        return fit;
    }

    private static bool TrySolve(IReadOnlyList<(float X, float Y, float Dx, float Dy)> s, bool[] use, out Affine2D fit)
    {
        // Normal equations of [x y 1]·m = x' for each output coordinate (shared 3×3 matrix).
        double sxx = 0, sxy = 0, sx = 0, syy = 0, sy = 0, n = 0;
        double bx0 = 0, bx1 = 0, bx2 = 0, by0 = 0, by1 = 0, by2 = 0;
        for (int i = 0; i < s.Count; i++)
        {
            if (!use[i]) continue;
            double x = s[i].X, y = s[i].Y, u = x + s[i].Dx, v = y + s[i].Dy;
            sxx += x * x; sxy += x * y; sx += x; syy += y * y; sy += y; n++;
            bx0 += x * u; bx1 += y * u; bx2 += u;
            by0 += x * v; by1 += y * v; by2 += v;
        }
        var m = new double[,] { { sxx, sxy, sx }, { sxy, syy, sy }, { sx, sy, n } };
        if (!Solve3(m, bx0, bx1, bx2, out var ax) || !Solve3(m, by0, by1, by2, out var ay)) { fit = Identity; return false; }
        fit = new Affine2D(ax[0], ax[1], ax[2], ay[0], ay[1], ay[2]);
        return true;
    }

    private static bool Solve3(double[,] m, double b0, double b1, double b2, out double[] x)
    {
        double det = m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1])
                     - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0])
                     + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);
        x = new double[3];
        if (Math.Abs(det) < 1e-9) return false;
        var b = new[] { b0, b1, b2 };
        for (int c = 0; c < 3; c++)
        {
            var mc = (double[,])m.Clone();
            for (int r = 0; r < 3; r++) mc[r, c] = b[r];
            double dc = mc[0, 0] * (mc[1, 1] * mc[2, 2] - mc[1, 2] * mc[2, 1])
                        - mc[0, 1] * (mc[1, 0] * mc[2, 2] - mc[1, 2] * mc[2, 0])
                        + mc[0, 2] * (mc[1, 0] * mc[2, 1] - mc[1, 1] * mc[2, 0]);
            x[c] = dc / det;
        }
        return true;
    }
}
