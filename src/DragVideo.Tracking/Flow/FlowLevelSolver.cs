using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DragVideo.Tracking.Imaging;

namespace DragVideo.Tracking;

/// <summary>
/// The per-level solve of <see cref="PyramidalOpticalFlow"/> as fused loops over managed planes. Each warping iteration
/// reads the two frames once per pixel (backward bilinear warp of the target frame and its gradients, the symmetric
/// gradient, the five structure-tensor and mismatch terms), pools the terms with a separable Gaussian and solves the 2×2
/// system per pixel; the level ends with the 3×3 median and the confidence-weighted fill. As a chain of LibTorch calls the
/// same arithmetic wrote and re-read ~40 full-size intermediate tensors per iteration, which made the flow bound by
/// memory traffic (~130 ms per 256² pair on one thread); here an iteration is one pass over the packed frames and two
/// filter passes over the five term planes (~50 ms per pair).
/// </summary>
/// <remarks>
/// Conventions equal the LibTorch formulation it replaces: bilinear sampling with the coordinate clamped to the frame
/// (grid_sample's border padding with aligned corners), replicate borders for every filter, the regulariser added to the
/// diagonal of the pooled structure tensor. Holds only its settings (scratch planes are rented per call), so one
/// instance serves concurrent flows.
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
        if (from.Channels != 3)
            throw new ArgumentException($"the flow solves colour frames (3 channels); got {from.Channels}.", nameof(from));
        int w = from.Width, h = from.Height, n = w * h;
        var pool = ArrayPool<float>.Shared;
        var terms = pool.Rent(5 * n);
        var scratch = pool.Rent(5 * n);
        var packedFrom = pool.Rent(PixelStride * n);
        var packedTo = pool.Rent(PixelStride * n);
        try
        {
            Pack(from, fromGx, fromGy, packedFrom);
            Pack(to, toGx, toGy, packedTo);
            for (int it = 0; it < _iterations; it++)
            {
                DataTerms(packedFrom, packedTo, h, w, u, v, terms);
                for (int k = 0; k < 5; k++)
                {
                    var plane = terms.AsSpan(k * n, n);
                    PlaneFilters.Separable(plane, plane, scratch.AsSpan(k * n, n), h, w, _window);
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
            pool.Return(packedFrom);
            pool.Return(packedTo);
        }
    }

    /// <summary>Floats per pixel in a packed level: I, ∂I/∂x, ∂I/∂y of the three channels.</summary>
    private const int PixelStride = 9;

    /// <summary>
    /// Interleaves a level's image and gradients per pixel — <c>[I_r, I_g, I_b, Ix_r, Ix_g, Ix_b, Iy_r, Iy_g, Iy_b]</c> —
    /// so that the warp reads each bilinear corner as one 8-float vector and one float instead of nine scattered loads.
    /// </summary>
    private static void Pack(HostImage image, HostImage gx, HostImage gy, float[] packed)
    {
        int n = image.Width * image.Height;
        float[] i = image.Data, x = gx.Data, y = gy.Data;
        for (int p = 0; p < n; p++)
        {
            int o = p * PixelStride;
            packed[o] = i[p]; packed[o + 1] = i[n + p]; packed[o + 2] = i[2 * n + p];
            packed[o + 3] = x[p]; packed[o + 4] = x[n + p]; packed[o + 5] = x[2 * n + p];
            packed[o + 6] = y[p]; packed[o + 7] = y[n + p]; packed[o + 8] = y[2 * n + p];
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
    /// Per pixel: warp the target frame and its gradients back by the flow (bilinear, coordinates clamped to the frame),
    /// and write the five brightness-constancy terms Σ_c Ix², Ix·Iy, Iy², Ix·It, Iy·It (planes 0–4 of
    /// <paramref name="terms"/>), with the symmetric gradient Ix = (∂I₀/∂x + warped ∂I₁/∂x) / 2 and It = warped I₁ − I₀.
    /// Both levels are packed (<see cref="Pack"/>).
    /// </summary>
    private static void DataTerms(float[] packedFrom, float[] packedTo, int h, int w, float[] u, float[] v, float[] terms)
    {
        int n = w * h;
        float maxX = w - 1, maxY = h - 1;
        int x0Max = Math.Max(0, w - 2), y0Max = Math.Max(0, h - 2);
        // Indices below are clamped into the level, so the loop reads through refs without bounds checks.
        ref float a = ref MemoryMarshal.GetArrayDataReference(packedFrom);
        ref float b = ref MemoryMarshal.GetArrayDataReference(packedTo);
        ref float uRef = ref MemoryMarshal.GetArrayDataReference(u);
        ref float vRef = ref MemoryMarshal.GetArrayDataReference(v);
        ref float t0 = ref MemoryMarshal.GetArrayDataReference(terms);
        ref float t1 = ref Unsafe.Add(ref t0, n);
        ref float t2 = ref Unsafe.Add(ref t0, 2 * n);
        ref float t3 = ref Unsafe.Add(ref t0, 3 * n);
        ref float t4 = ref Unsafe.Add(ref t0, 4 * n);
        var half = Vector256.Create(0.5f);
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
                int dx = x0 + 1 < w ? PixelStride : 0, dy = y0 + 1 < h ? w * PixelStride : 0;
                float fx = sx - x0, fy = sy - y0;
                float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
                ref float c00 = ref Unsafe.Add(ref b, (y0 * w + x0) * PixelStride);
                ref float c01 = ref Unsafe.Add(ref c00, dx);
                ref float c10 = ref Unsafe.Add(ref c00, dy);
                ref float c11 = ref Unsafe.Add(ref c00, dx + dy);
                // Lanes 0–7 of the blend: I (3), Ix (3), Iy of the first two channels; the ninth float separately.
                var warped = Vector256.LoadUnsafe(ref c00) * w00 + Vector256.LoadUnsafe(ref c01) * w01
                    + Vector256.LoadUnsafe(ref c10) * w10 + Vector256.LoadUnsafe(ref c11) * w11;
                float warped8 = Unsafe.Add(ref c00, 8) * w00 + Unsafe.Add(ref c01, 8) * w01 + Unsafe.Add(ref c10, 8) * w10 + Unsafe.Add(ref c11, 8) * w11;
                ref float own = ref Unsafe.Add(ref a, i * PixelStride);
                var mine = Vector256.LoadUnsafe(ref own);
                var mean = (mine + warped) * half;   // lanes 3–7: symmetric gradients
                var dt = warped - mine;              // lanes 0–2: It
                float ix0 = mean.GetElement(3), ix1 = mean.GetElement(4), ix2 = mean.GetElement(5);
                float iy0 = mean.GetElement(6), iy1 = mean.GetElement(7), iy2 = (Unsafe.Add(ref own, 8) + warped8) * 0.5f;
                float it0 = dt.GetElement(0), it1 = dt.GetElement(1), it2 = dt.GetElement(2);
                Unsafe.Add(ref t0, i) = ix0 * ix0 + ix1 * ix1 + ix2 * ix2;
                Unsafe.Add(ref t1, i) = ix0 * iy0 + ix1 * iy1 + ix2 * iy2;
                Unsafe.Add(ref t2, i) = iy0 * iy0 + iy1 * iy1 + iy2 * iy2;
                Unsafe.Add(ref t3, i) = ix0 * it0 + ix1 * it1 + ix2 * it2;
                Unsafe.Add(ref t4, i) = iy0 * it0 + iy1 * it1 + iy2 * it2;
            }
        }
    }

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
        // Planes of scratch: 0 = u·conf, 1 = v·conf, 2 = conf, 3 = the filters' row pass. The filtered planes go to
        // pooled's planes 0–2, whose structure-tensor values are read in the first loop and not needed after it.
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
        for (int k = 0; k < 3; k++) PlaneFilters.Separable(scratch.AsSpan(k * n, n), pooled.AsSpan(k * n, n), rows, h, w, _fill!);
        for (int i = 0; i < n; i++)
        {
            float c = conf[i];
            float den = MathF.Max(pooled[2 * n + i], 1e-6f);
            u[i] = u[i] * c + pooled[i] / den * (1f - c);
            v[i] = v[i] * c + pooled[n + i] / den * (1f - c);
        }
    }
}
