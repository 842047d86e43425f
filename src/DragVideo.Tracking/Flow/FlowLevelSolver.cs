using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DragVideo.Tracking.Imaging;

namespace DragVideo.Tracking;

/// <summary>
/// The per-level solve of <see cref="PyramidalOpticalFlow"/> as fused loops over managed planes. Each warping iteration
/// reads the two frames once per pixel (backward bilinear warp of the target frame and its gradients, the symmetric
/// gradient, the five structure-tensor and mismatch terms), pools the terms with a separable Gaussian and solves the 2×2
/// system per pixel; the level ends with the 3×3 median and the confidence-weighted fill. As a chain of LibTorch calls the
/// same arithmetic wrote and re-read ~40 full-size intermediate tensors per iteration, which made the flow bound by
/// memory traffic (~110 ms per 256² pair on one thread); here the intermediates stay in cache.
/// </summary>
/// <remarks>
/// Conventions equal the LibTorch formulation it replaces: bilinear sampling with the coordinate clamped to the frame
/// (grid_sample's border padding with aligned corners), replicate borders for every filter, the regulariser added to the
/// diagonal of the pooled structure tensor. One instance per flow; not thread-safe (it owns scratch planes).
/// </remarks>
internal sealed class FlowLevelSolver
{
    private readonly float[] _window;
    private readonly float[]? _fill;
    private readonly float _eps;
    private readonly int _iterations;
    private readonly bool _median;

    public FlowLevelSolver(OpticalFlowOptions options)
    {
        _window = ImageOps.GaussianTaps(options.WindowSigma);
        _fill = options.FillSigma > 0 ? ImageOps.GaussianTaps(options.FillSigma) : null;
        _eps = (float)options.Regularization;
        _iterations = options.Iterations;
        _median = options.MedianFilter;
    }

    /// <summary>
    /// Refines the flow (<paramref name="u"/>, <paramref name="v"/>: pixels, from → to, row-major <c>H·W</c>) of one
    /// pyramid level in place. <paramref name="from"/> and <paramref name="to"/> are the level's images with their
    /// central-difference gradients, <c>[C, H, W]</c> each.
    /// </summary>
    public void Solve(HostImage from, HostImage fromGx, HostImage fromGy, HostImage to, HostImage toGx, HostImage toGy,
        float[] u, float[] v)
    {
        int w = from.Width, h = from.Height, n = w * h;
        var pool = ArrayPool<float>.Shared;
        var terms = pool.Rent(5 * n);
        var scratch = pool.Rent(5 * n);
        try
        {
            for (int it = 0; it < _iterations; it++)
            {
                DataTerms(from, fromGx, fromGy, to, toGx, toGy, u, v, terms);
                for (int k = 0; k < 5; k++)
                {
                    var plane = terms.AsSpan(k * n, n);
                    PlaneFilters.FilterRows(plane, scratch.AsSpan(k * n, n), h, w, _window);
                    PlaneFilters.FilterColumns(scratch.AsSpan(k * n, n), plane, h, w, _window);
                }
                Update(terms, n, u, v);
            }
            if (_median)
            {
                PlaneFilters.Median3x3(u, scratch.AsSpan(0, n), h, w);
                scratch.AsSpan(0, n).CopyTo(u);
                PlaneFilters.Median3x3(v, scratch.AsSpan(0, n), h, w);
                scratch.AsSpan(0, n).CopyTo(v);
            }
            if (_fill is not null) Fill(terms, scratch, h, w, u, v);
        }
        finally
        {
            pool.Return(terms);
            pool.Return(scratch);
        }
    }

    /// <summary>
    /// Bilinear upsampling of a coarse flow to (<paramref name="h"/>, <paramref name="w"/>) with the pyramid's pixel mapping
    /// (fine x ↔ coarse x/2, border clamped), the vectors doubled.
    /// </summary>
    public static (float[] U, float[] V) Upsample(float[] u, float[] v, int coarseH, int coarseW, int h, int w)
    {
        var fu = new float[h * w];
        var fv = new float[h * w];
        int x0Max = Math.Max(0, coarseW - 2), y0Max = Math.Max(0, coarseH - 2);
        for (int y = 0; y < h; y++)
        {
            float sy = MathF.Min(y * 0.5f, coarseH - 1);
            int y0 = Math.Min((int)sy, y0Max), y1 = Math.Min(y0 + 1, coarseH - 1);
            float fy = sy - y0;
            for (int x = 0; x < w; x++)
            {
                float sx = MathF.Min(x * 0.5f, coarseW - 1);
                int x0 = Math.Min((int)sx, x0Max), x1 = Math.Min(x0 + 1, coarseW - 1);
                float fx = sx - x0;
                float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
                int i00 = y0 * coarseW + x0, i01 = y0 * coarseW + x1, i10 = y1 * coarseW + x0, i11 = y1 * coarseW + x1;
                fu[y * w + x] = 2f * (w00 * u[i00] + w01 * u[i01] + w10 * u[i10] + w11 * u[i11]);
                fv[y * w + x] = 2f * (w00 * v[i00] + w01 * v[i01] + w10 * v[i10] + w11 * v[i11]);
            }
        }
        return (fu, fv);
    }

    /// <summary>
    /// Per pixel: warp the target frame and its gradients back by the flow, and write the five brightness-constancy
    /// terms Σ_c Ix², Ix·Iy, Iy², Ix·It, Iy·It (planes 0–4 of <paramref name="terms"/>).
    /// </summary>
    private static void DataTerms(HostImage from, HostImage fromGx, HostImage fromGy, HostImage to, HostImage toGx,
        HostImage toGy, float[] u, float[] v, float[] terms)
    {
        int w = from.Width, h = from.Height, n = w * h, channels = from.Channels;
        float maxX = w - 1, maxY = h - 1;
        int x0Max = Math.Max(0, w - 2), y0Max = Math.Max(0, h - 2);
        // Indices below are clamped into the planes, so the loop reads through refs without bounds checks.
        ref float i0 = ref MemoryMarshal.GetArrayDataReference(from.Data);
        ref float g0x = ref MemoryMarshal.GetArrayDataReference(fromGx.Data);
        ref float g0y = ref MemoryMarshal.GetArrayDataReference(fromGy.Data);
        ref float i1 = ref MemoryMarshal.GetArrayDataReference(to.Data);
        ref float g1x = ref MemoryMarshal.GetArrayDataReference(toGx.Data);
        ref float g1y = ref MemoryMarshal.GetArrayDataReference(toGy.Data);
        ref float uRef = ref MemoryMarshal.GetArrayDataReference(u);
        ref float vRef = ref MemoryMarshal.GetArrayDataReference(v);
        ref float t0 = ref MemoryMarshal.GetArrayDataReference(terms);
        ref float t1 = ref Unsafe.Add(ref t0, n);
        ref float t2 = ref Unsafe.Add(ref t0, 2 * n);
        ref float t3 = ref Unsafe.Add(ref t0, 3 * n);
        ref float t4 = ref Unsafe.Add(ref t0, 4 * n);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                // Written so that a NaN coordinate clamps to 0 instead of indexing out of range.
                float sx = x + Unsafe.Add(ref uRef, i), sy = y + Unsafe.Add(ref vRef, i);
                sx = sx > 0 ? (sx < maxX ? sx : maxX) : 0;
                sy = sy > 0 ? (sy < maxY ? sy : maxY) : 0;
                int x0 = Math.Min((int)sx, x0Max), y0 = Math.Min((int)sy, y0Max);
                int dx = x0 + 1 < w ? 1 : 0, dy = y0 + 1 < h ? w : 0;
                float fx = sx - x0, fy = sy - y0;
                float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
                int j = y0 * w + x0;
                float sxx = 0, sxy = 0, syy = 0, sxt = 0, syt = 0;
                for (int c = 0, p = 0; c < channels; c++, p += n)
                {
                    float warped = Bilinear(ref Unsafe.Add(ref i1, p + j), dx, dy, w00, w01, w10, w11);
                    float ix = (Unsafe.Add(ref g0x, p + i) + Bilinear(ref Unsafe.Add(ref g1x, p + j), dx, dy, w00, w01, w10, w11)) * 0.5f;
                    float iy = (Unsafe.Add(ref g0y, p + i) + Bilinear(ref Unsafe.Add(ref g1y, p + j), dx, dy, w00, w01, w10, w11)) * 0.5f;
                    float dt = warped - Unsafe.Add(ref i0, p + i);
                    sxx += ix * ix;
                    sxy += ix * iy;
                    syy += iy * iy;
                    sxt += ix * dt;
                    syt += iy * dt;
                }
                Unsafe.Add(ref t0, i) = sxx;
                Unsafe.Add(ref t1, i) = sxy;
                Unsafe.Add(ref t2, i) = syy;
                Unsafe.Add(ref t3, i) = sxt;
                Unsafe.Add(ref t4, i) = syt;
            }
        }
    }

    /// <summary>Bilinear blend of the 2×2 block whose top-left sample is <paramref name="topLeft"/> (neighbours <paramref name="dx"/> and <paramref name="dy"/> away).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Bilinear(ref float topLeft, int dx, int dy, float w00, float w01, float w10, float w11) =>
        w00 * topLeft + w01 * Unsafe.Add(ref topLeft, dx) + w10 * Unsafe.Add(ref topLeft, dy) + w11 * Unsafe.Add(ref topLeft, dx + dy);

    /// <summary>Solves the pooled 2×2 system per pixel (regulariser on the diagonal) and adds the step to the flow.</summary>
    private void Update(float[] pooled, int n, float[] u, float[] v)
    {
        float eps = _eps;
        for (int i = 0; i < n; i++)
        {
            float sxx = pooled[i] + eps, sxy = pooled[n + i], syy = pooled[2 * n + i] + eps;
            float bx = pooled[3 * n + i], by = pooled[4 * n + i];
            float det = sxx * syy - sxy * sxy;
            u[i] += (sxy * by - syy * bx) / det;
            v[i] += (sxy * bx - sxx * by) / det;
        }
    }

    /// <summary>
    /// Replaces the flow of untextured pixels by the confidence-weighted average of its neighbourhood. Confidence is the
    /// smallest eigenvalue of the last iteration's regularised structure tensor relative to the regulariser.
    /// </summary>
    private void Fill(float[] pooled, float[] scratch, int h, int w, float[] u, float[] v)
    {
        int n = h * w;
        float eps = _eps;
        // Planes of scratch: 0 = u·conf, 1 = v·conf, 2 = conf, 3 = row-filter scratch; plane 4 of pooled is free now.
        var uc = scratch.AsSpan(0, n);
        var vc = scratch.AsSpan(n, n);
        var conf = scratch.AsSpan(2 * n, n);
        for (int i = 0; i < n; i++)
        {
            float gxx = pooled[i] + eps, gxy = pooled[n + i], gyy = pooled[2 * n + i] + eps;
            float half = (gxx + gyy) * 0.5f, diff = (gxx - gyy) * 0.5f;
            float lmin = MathF.Max(half - MathF.Sqrt(diff * diff + gxy * gxy) - eps, 0);
            float c = lmin / (lmin + eps * 10f);
            conf[i] = c;
            uc[i] = u[i] * c;
            vc[i] = v[i] * c;
        }
        var rows = scratch.AsSpan(3 * n, n);
        for (int k = 0; k < 3; k++)
        {
            var plane = scratch.AsSpan(k * n, n);
            PlaneFilters.FilterRows(plane, rows, h, w, _fill!);
            PlaneFilters.FilterColumns(rows, pooled.AsSpan(k * n, n), h, w, _fill!);
        }
        for (int i = 0; i < n; i++)
        {
            float c = conf[i];
            float den = MathF.Max(pooled[2 * n + i], 1e-6f);
            u[i] = u[i] * c + pooled[i] / den * (1f - c);
            v[i] = v[i] * c + pooled[n + i] / den * (1f - c);
        }
    }
}
