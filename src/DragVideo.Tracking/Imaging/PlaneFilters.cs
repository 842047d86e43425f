using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DragVideo.Tracking.Imaging;

/// <summary>
/// Filters on managed float planes (row-major <c>H·W</c>) with replicate borders — the conventions of
/// <see cref="ImageOps"/>'s LibTorch filters, written as vector loops so that the flow and the pyramids do not pay a
/// LibTorch call and a full-size intermediate tensor per step.
/// </summary>
internal static class PlaneFilters
{
    private static readonly float[] Binomial5 = { 1 / 16f, 4 / 16f, 6 / 16f, 4 / 16f, 1 / 16f };

    /// <summary>Filters every row with <paramref name="taps"/> (odd length, replicate border).</summary>
    public static void FilterRows(ReadOnlySpan<float> src, Span<float> dst, int h, int w, float[] taps)
    {
        int r = taps.Length / 2;
        ref float srcRef = ref MemoryMarshal.GetReference(src);
        Span<int> offsets = taps.Length <= 64 ? stackalloc int[taps.Length] : new int[taps.Length];
        for (int y = 0; y < h; y++)
        {
            var row = src.Slice(y * w, w);
            var o = dst.Slice(y * w, w);
            for (int k = 0; k < taps.Length; k++) offsets[k] = y * w + k - r;
            int x = 0;
            for (; x < Math.Min(r, w); x++) o[x] = ClampedTap(row, x, taps);
            x = TapVectors(ref srcRef, offsets, taps, ref MemoryMarshal.GetReference(o), x, w - r);
            for (; x < w; x++) o[x] = ClampedTap(row, x, taps);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ClampedTap(ReadOnlySpan<float> row, int x, float[] taps)
    {
        int r = taps.Length / 2, last = row.Length - 1;
        float s = 0;
        for (int k = 0; k < taps.Length; k++) s += row[Math.Clamp(x - r + k, 0, last)] * taps[k];
        return s;
    }

    /// <summary>Filters every column with <paramref name="taps"/> (odd length, replicate border).</summary>
    public static void FilterColumns(ReadOnlySpan<float> src, Span<float> dst, int h, int w, float[] taps)
    {
        int r = taps.Length / 2;
        ref float srcRef = ref MemoryMarshal.GetReference(src);
        Span<int> rows = taps.Length <= 64 ? stackalloc int[taps.Length] : new int[taps.Length];
        for (int y = 0; y < h; y++)
        {
            for (int k = 0; k < taps.Length; k++) rows[k] = Math.Clamp(y - r + k, 0, h - 1) * w;
            var o = dst.Slice(y * w, w);
            int x = TapVectors(ref srcRef, rows, taps, ref MemoryMarshal.GetReference(o), 0, w);
            for (; x < w; x++)
            {
                float s = 0;
                for (int k = 0; k < taps.Length; k++) s += src[rows[k] + x] * taps[k];
                o[x] = s;
            }
        }
    }

    /// <summary>
    /// <c>dst[x] = Σ_k taps[k] · src[offsets[k] + x]</c> for whole vectors of x from <paramref name="x"/> while they end
    /// at or before <paramref name="end"/>; returns the first x not written. The caller guarantees every read is inside
    /// the plane.
    /// </summary>
    private static int TapVectors(ref float src, ReadOnlySpan<int> offsets, float[] taps, ref float dst, int x, int end)
    {
        int vc = Vector<float>.Count;
        // Four independent accumulators: a single chain of fused multiply-adds would wait on its own latency per tap.
        for (; x + 4 * vc <= end; x += 4 * vc)
        {
            Vector<float> a0 = Vector<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (int k = 0; k < taps.Length; k++)
            {
                var t = new Vector<float>(taps[k]);
                nuint at = (nuint)(offsets[k] + x);
                a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref src, at), t, a0);
                a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref src, at + (nuint)vc), t, a1);
                a2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref src, at + (nuint)(2 * vc)), t, a2);
                a3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref src, at + (nuint)(3 * vc)), t, a3);
            }
            a0.StoreUnsafe(ref dst, (nuint)x);
            a1.StoreUnsafe(ref dst, (nuint)(x + vc));
            a2.StoreUnsafe(ref dst, (nuint)(x + 2 * vc));
            a3.StoreUnsafe(ref dst, (nuint)(x + 3 * vc));
        }
        for (; x + vc <= end; x += vc)
        {
            var acc = Vector<float>.Zero;
            for (int k = 0; k < taps.Length; k++)
                acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref src, (nuint)(offsets[k] + x)), new Vector<float>(taps[k]), acc);
            acc.StoreUnsafe(ref dst, (nuint)x);
        }
        return x;
    }

    /// <summary>Separable filter of one plane (rows, then columns) into <paramref name="dst"/>; <paramref name="scratch"/> holds the row pass.</summary>
    public static void Separable(ReadOnlySpan<float> src, Span<float> dst, Span<float> scratch, int h, int w, float[] taps)
    {
        FilterRows(src, scratch, h, w, taps);
        FilterColumns(scratch, dst, h, w, taps);
    }

    /// <summary>
    /// 5-tap binomial blur keeping every second pixel (level-(l+1) pixel (x, y) is level-l pixel (2x, 2y)): a plane of
    /// <c>h × w</c> becomes <c>⌈h/2⌉ × ⌈w/2⌉</c>, written into <paramref name="dst"/>.
    /// </summary>
    public static void Downsample(ReadOnlySpan<float> src, Span<float> dst, int h, int w)
    {
        int h2 = (h + 1) / 2, w2 = (w + 1) / 2;
        var rows = new float[h * w2];
        for (int y = 0; y < h; y++)
        {
            var row = src.Slice(y * w, w);
            for (int x = 0; x < w2; x++)
            {
                float s = 0;
                for (int k = 0; k < 5; k++) s += row[Math.Clamp(2 * x - 2 + k, 0, w - 1)] * Binomial5[k];
                rows[y * w2 + x] = s;
            }
        }
        dst = dst[..(h2 * w2)];
        dst.Clear();
        for (int y = 0; y < h2; y++)
            for (int k = 0; k < 5; k++)
            {
                int sy = Math.Clamp(2 * y - 2 + k, 0, h - 1);
                float t = Binomial5[k];
                for (int x = 0; x < w2; x++) dst[y * w2 + x] += rows[sy * w2 + x] * t;
            }
    }

    /// <summary>Central-difference gradients ∂/∂x and ∂/∂y of one plane (replicate border), written into the two outputs.</summary>
    public static void Gradients(ReadOnlySpan<float> src, Span<float> gx, Span<float> gy, int h, int w)
    {
        for (int y = 0; y < h; y++)
        {
            var above = src.Slice(Math.Max(y - 1, 0) * w, w);
            var below = src.Slice(Math.Min(y + 1, h - 1) * w, w);
            var row = src.Slice(y * w, w);
            for (int x = 0; x < w; x++)
            {
                gx[y * w + x] = 0.5f * (row[Math.Min(x + 1, w - 1)] - row[Math.Max(x - 1, 0)]);
                gy[y * w + x] = 0.5f * (below[x] - above[x]);
            }
        }
    }

    /// <summary>3×3 median per pixel (replicate border) of <paramref name="src"/> into <paramref name="dst"/>.</summary>
    public static void Median3x3(ReadOnlySpan<float> src, Span<float> dst, int h, int w)
    {
        int vc = Vector<float>.Count;
        Span<float> nine = stackalloc float[9];
        for (int y = 0; y < h; y++)
        {
            var above = src.Slice(Math.Max(y - 1, 0) * w, w);
            var row = src.Slice(y * w, w);
            var below = src.Slice(Math.Min(y + 1, h - 1) * w, w);
            var o = dst.Slice(y * w, w);
            int x = 0;
            for (; x < Math.Min(1, w); x++) o[x] = ClampedMedian(above, row, below, x, nine);
            for (; x + 1 + vc <= w; x += vc)
            {
                var m = Median9(
                    new Vector<float>(above.Slice(x - 1, vc)), new Vector<float>(above.Slice(x, vc)), new Vector<float>(above.Slice(x + 1, vc)),
                    new Vector<float>(row.Slice(x - 1, vc)), new Vector<float>(row.Slice(x, vc)), new Vector<float>(row.Slice(x + 1, vc)),
                    new Vector<float>(below.Slice(x - 1, vc)), new Vector<float>(below.Slice(x, vc)), new Vector<float>(below.Slice(x + 1, vc)));
                m.CopyTo(o.Slice(x, vc));
            }
            for (; x < w; x++) o[x] = ClampedMedian(above, row, below, x, nine);
        }
    }

    private static float ClampedMedian(ReadOnlySpan<float> above, ReadOnlySpan<float> row, ReadOnlySpan<float> below, int x, Span<float> nine)
    {
        int last = row.Length - 1, xm = Math.Max(x - 1, 0), xp = Math.Min(x + 1, last);
        nine[0] = above[xm]; nine[1] = above[x]; nine[2] = above[xp];
        nine[3] = row[xm]; nine[4] = row[x]; nine[5] = row[xp];
        nine[6] = below[xm]; nine[7] = below[x]; nine[8] = below[xp];
        nine.Sort();
        return nine[4];
    }

    /// <summary>Median of nine, lane-wise: the 19-exchange min/max network whose median ends in slot 4.</summary>
    private static Vector<float> Median9(Vector<float> p0, Vector<float> p1, Vector<float> p2, Vector<float> p3,
        Vector<float> p4, Vector<float> p5, Vector<float> p6, Vector<float> p7, Vector<float> p8)
    {
        Sort(ref p1, ref p2); Sort(ref p4, ref p5); Sort(ref p7, ref p8);
        Sort(ref p0, ref p1); Sort(ref p3, ref p4); Sort(ref p6, ref p7);
        Sort(ref p1, ref p2); Sort(ref p4, ref p5); Sort(ref p7, ref p8);
        Sort(ref p0, ref p3); Sort(ref p5, ref p8); Sort(ref p4, ref p7);
        Sort(ref p3, ref p6); Sort(ref p1, ref p4); Sort(ref p2, ref p5);
        Sort(ref p4, ref p7); Sort(ref p4, ref p2); Sort(ref p6, ref p4);
        Sort(ref p4, ref p2);
        return p4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sort(ref Vector<float> a, ref Vector<float> b)
    {
        var lo = Vector.Min(a, b);
        b = Vector.Max(a, b);
        a = lo;
    }
}
