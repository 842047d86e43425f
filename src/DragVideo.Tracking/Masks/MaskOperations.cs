namespace DragVideo.Tracking;

/// <summary>
/// Morphology and editing of <see cref="BinaryMask"/>s: Euclidean dilation / erosion / closing (exact distance
/// transform, so a radius gives a round structuring element), stretching along drag vectors, removal of small
/// components and filling of small holes. Inputs are never modified; every method returns a new mask.
/// </summary>
public static class MaskOperations
{
    /// <summary>
    /// Grows the mask by <paramref name="radius"/> pixels (a pixel becomes true when a true pixel lies within that
    /// Euclidean distance). The released DragVideo code grows each frame's mask by the UI "radius" (default 10).
    /// </summary>
    public static BinaryMask Dilate(BinaryMask mask, int radius)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        if (radius == 0 || mask.Count == 0) return mask;
        var d2 = SquaredDistanceTo(mask, target: true);
        long r2 = (long)radius * radius;
        return FromArray(mask.Width, mask.Height, d2.Select(d => d <= r2).ToArray());
    }

    /// <summary>Shrinks the mask by <paramref name="radius"/> pixels (the complement grows).</summary>
    public static BinaryMask Erode(BinaryMask mask, int radius)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        if (radius == 0) return mask;
        if (mask.Count == mask.Width * mask.Height) return mask;
        var d2 = SquaredDistanceTo(mask, target: false);
        long r2 = (long)radius * radius;
        return FromArray(mask.Width, mask.Height, d2.Select(d => d > r2).ToArray());
    }

    /// <summary>Morphological closing (dilate, then erode): closes gaps and notches narrower than 2·radius.</summary>
    public static BinaryMask Close(BinaryMask mask, int radius) => Erode(Dilate(mask, radius), radius);

    /// <summary>Morphological opening (erode, then dilate): removes specks and spurs thinner than 2·radius.</summary>
    public static BinaryMask Open(BinaryMask mask, int radius) => Dilate(Erode(mask, radius), radius);

    /// <summary>
    /// Sweeps the mask along each drag vector: the result holds every pixel of the mask translated by s·v for
    /// s ∈ [0, 1], for each vector v, so the region the content is dragged into is editable too (as in the released
    /// DragVideo code).
    /// </summary>
    public static BinaryMask StretchAlong(BinaryMask mask, IEnumerable<DragPoint> vectors)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(vectors);
        int w = mask.Width, h = mask.Height;
        var src = mask.Values.ToArray();
        var dst = (bool[])src.Clone();
        var done = new HashSet<(int, int)> { (0, 0) };
        foreach (var v in vectors)
        {
            if (!v.IsFinite) throw new ArgumentException($"drag vector ({v.X}, {v.Y}) is not finite.", nameof(vectors));
            float len = MathF.Sqrt(v.X * v.X + v.Y * v.Y);
            int steps = Math.Max(1, (int)MathF.Ceiling(len * 2));
            for (int s = 1; s <= steps; s++)
            {
                int dx = (int)MathF.Round(v.X * s / steps), dy = (int)MathF.Round(v.Y * s / steps);
                if (!done.Add((dx, dy))) continue;
                OrShifted(src, dst, w, h, dx, dy);
            }
        }
        return FromArray(w, h, dst);
    }

    /// <summary>Sweeps the mask along the drag vector (target − handle) of each pair; see <see cref="StretchAlong(BinaryMask, IEnumerable{DragPoint})"/>.</summary>
    public static BinaryMask StretchAlong(BinaryMask mask, IEnumerable<DragPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        return StretchAlong(mask, pairs.Select(p => p.Offset));
    }

    /// <summary>Removes 4-connected true components with fewer than <paramref name="minArea"/> pixels.</summary>
    public static BinaryMask RemoveSmallComponents(BinaryMask mask, int minArea)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (minArea <= 1) return mask;
        var v = mask.Values.ToArray();
        FlipSmallComponents(v, mask.Width, mask.Height, value: true, minArea, touchBorderCounts: true);
        return FromArray(mask.Width, mask.Height, v);
    }

    /// <summary>Fills holes (4-connected false components not touching the border) with fewer than <paramref name="maxArea"/> pixels.</summary>
    public static BinaryMask FillHoles(BinaryMask mask, int maxArea)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (maxArea <= 1) return mask;
        var v = mask.Values.ToArray();
        FlipSmallComponents(v, mask.Width, mask.Height, value: false, maxArea, touchBorderCounts: false);
        return FromArray(mask.Width, mask.Height, v);
    }

    /// <summary>Pixel-wise union of equally sized masks.</summary>
    /// <exception cref="ArgumentException">the masks differ in size.</exception>
    public static BinaryMask Union(BinaryMask a, BinaryMask b)
    {
        CheckSameSize(a, b);
        var va = a.Values; var vb = b.Values;
        var r = new bool[va.Length];
        for (int i = 0; i < r.Length; i++) r[i] = va[i] || vb[i];
        return FromArray(a.Width, a.Height, r);
    }

    /// <summary>Intersection over union of equally sized masks (1 when both are empty).</summary>
    /// <exception cref="ArgumentException">the masks differ in size.</exception>
    public static double IntersectionOverUnion(BinaryMask a, BinaryMask b)
    {
        CheckSameSize(a, b);
        var va = a.Values; var vb = b.Values;
        int inter = 0, union = 0;
        for (int i = 0; i < va.Length; i++) { if (va[i] && vb[i]) inter++; if (va[i] || vb[i]) union++; }
        return union == 0 ? 1 : (double)inter / union;
    }

    internal static BinaryMask FromArray(int w, int h, bool[] values) => new(w, h, values);

    private static void CheckSameSize(BinaryMask a, BinaryMask b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Width != b.Width || a.Height != b.Height)
            throw new ArgumentException($"masks differ in size: {a.Width}×{a.Height} vs {b.Width}×{b.Height}.", nameof(b));
    }

    private static void OrShifted(bool[] src, bool[] dst, int w, int h, int dx, int dy)
    {
        for (int y = Math.Max(0, dy); y < Math.Min(h, h + dy); y++)
        {
            int sy = y - dy, row = y * w, srow = sy * w;
            for (int x = Math.Max(0, dx); x < Math.Min(w, w + dx); x++)
                if (src[srow + x - dx]) dst[row + x] = true;
        }
    }

    /// <summary>
    /// Squared Euclidean distance from each pixel to the nearest pixel whose value is <paramref name="target"/>
    /// (Felzenszwalb–Huttenlocher lower-envelope transform, two 1-D passes; exact).
    /// </summary>
    internal static long[] SquaredDistanceTo(BinaryMask mask, bool target)
    {
        int w = mask.Width, h = mask.Height;
        const long inf = long.MaxValue / 4;
        var v = mask.Values;
        var g = new long[w * h];
        int n = Math.Max(w, h);
        var f = new long[n];
        var d = new long[n];
        var idx = new int[n];
        var z = new double[n + 1];
        for (int x = 0; x < w; x++)
        {
            for (int y = 0; y < h; y++) f[y] = v[y * w + x] == target ? 0 : inf;
            Transform1D(f, h, d, idx, z);
            for (int y = 0; y < h; y++) g[y * w + x] = d[y];
        }
        var r = new long[w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++) f[x] = g[y * w + x];
            Transform1D(f, w, d, idx, z);
            for (int x = 0; x < w; x++) r[y * w + x] = d[x];
        }
        return r;
    }

    private static void Transform1D(long[] f, int n, long[] d, int[] v, double[] z)
    {
        const long inf = long.MaxValue / 4;
        int k = -1;
        for (int q = 0; q < n; q++)
        {
            if (f[q] >= inf) continue;
            if (k < 0) { k = 0; v[0] = q; z[0] = double.NegativeInfinity; z[1] = double.PositiveInfinity; continue; }
            double s;
            while (true)
            {
                int p = v[k];
                s = ((f[q] + (double)q * q) - (f[p] + (double)p * p)) / (2.0 * (q - p));
                if (s <= z[k]) { k--; if (k < 0) break; } else break;
            }
            if (k < 0) { k = 0; v[0] = q; z[0] = double.NegativeInfinity; z[1] = double.PositiveInfinity; continue; }
            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = double.PositiveInfinity;
        }
        if (k < 0) { for (int q = 0; q < n; q++) d[q] = inf; return; }
        int j = 0;
        for (int q = 0; q < n; q++)
        {
            while (z[j + 1] < q) j++;
            long dq = q - v[j];
            d[q] = dq * dq + f[v[j]];
        }
    }

    private static void FlipSmallComponents(bool[] v, int w, int h, bool value, int limit, bool touchBorderCounts)
    {
        var seen = new bool[v.Length];
        var queue = new int[v.Length];
        var comp = new List<int>();
        for (int start = 0; start < v.Length; start++)
        {
            if (seen[start] || v[start] != value) continue;
            comp.Clear();
            int head = 0, tail = 0;
            queue[tail++] = start;
            seen[start] = true;
            bool border = false;
            while (head < tail)
            {
                int p = queue[head++];
                comp.Add(p);
                int x = p % w, y = p / w;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) border = true;
                if (x > 0) Visit(p - 1);
                if (x < w - 1) Visit(p + 1);
                if (y > 0) Visit(p - w);
                if (y < h - 1) Visit(p + w);
            }
            bool flip = comp.Count < limit && (touchBorderCounts || !border);
            if (flip) foreach (var p in comp) v[p] = !value;

            void Visit(int q)
            {
                if (seen[q] || v[q] != value) return;
                seen[q] = true;
                queue[tail++] = q;
            }
        }
    }
}
