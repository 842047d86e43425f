using DragVideo.Tracking.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Tracking.Tests.Support;

/// <summary>
/// The pyramidal flow's per-level solve written as a chain of LibTorch calls — the formulation the SDK shipped before
/// the fused <see cref="FlowLevelSolver"/> — kept as the oracle the fused loops are compared with.
/// </summary>
internal static class TorchReferenceFlow
{
    /// <summary>
    /// The flow from <paramref name="from"/> to <paramref name="to"/> (<c>[3, H, W]</c>), optionally starting from
    /// <paramref name="initialFlow"/> <c>[2, H, W]</c> → <c>[1, 2, H, W]</c> (caller owns it).
    /// </summary>
    public static Tensor Compute(OpticalFlowOptions options, Tensor from, Tensor to, Tensor? initialFlow = null)
    {
        using var scope = NewDisposeScope();
        int levels = FramePyramid.LevelCount(from.shape[2], from.shape[1], options.MaxLevels, options.MinLevelSize);
        var a = Pyramid(from, levels, options.PreSmoothSigma);
        var b = Pyramid(to, levels, options.PreSmoothSigma);
        initialFlow = initialFlow?.unsqueeze(0).to_type(ScalarType.Float32);
        int top = levels - 1;
        Tensor flow;
        if (initialFlow is null)
        {
            flow = torch.zeros(1, 2, a.Levels[top].shape[2], a.Levels[top].shape[3]);
        }
        else
        {
            // Bring the initial flow to the coarsest level: subsample like the pyramid and scale the vectors.
            flow = initialFlow;
            for (int l = 0; l < top; l++) flow = ImageOps.Downsample(flow) * 0.5f;
        }
        var windowTaps = ImageOps.GaussianTaps(options.WindowSigma);
        var fillTaps = options.FillSigma > 0 ? ImageOps.GaussianTaps(options.FillSigma) : null;
        float eps = (float)options.Regularization;
        for (int l = top; l >= 0; l--)
        {
            var i0 = a.Levels[l];
            long h = i0.shape[2], w = i0.shape[3];
            if (l < top) flow = Upsample(flow, h, w) * 2f;
            var grid = ImageOps.PixelGrid(h, w);
            long c = i0.shape[1];
            var stacked = torch.cat(new[] { b.Levels[l], b.GradX[l], b.GradY[l] }, 1);
            Tensor gxx = null!, gxy = null!, gyy = null!;
            for (int it = 0; it < options.Iterations; it++)
            {
                using var iterScope = NewDisposeScope();
                var warped = ImageOps.Warp(stacked, flow, grid);
                var i1w = warped.narrow(1, 0, c);
                // Symmetric (ESM-like) gradient: the mean of both frames' gradients converges faster and is unbiased.
                var ix = (a.GradX[l] + warped.narrow(1, c, c)) * 0.5f;
                var iy = (a.GradY[l] + warped.narrow(1, 2 * c, c)) * 0.5f;
                var it0 = i1w - i0;
                var terms = torch.cat(new[]
                {
                    (ix * ix).sum(1, keepdim: true), (ix * iy).sum(1, keepdim: true), (iy * iy).sum(1, keepdim: true),
                    (ix * it0).sum(1, keepdim: true), (iy * it0).sum(1, keepdim: true),
                }, 1);
                var pooled = ImageOps.SeparableFilter(terms, windowTaps);
                var sxx = pooled.narrow(1, 0, 1) + eps;
                var sxy = pooled.narrow(1, 1, 1);
                var syy = pooled.narrow(1, 2, 1) + eps;
                var bx = pooled.narrow(1, 3, 1);
                var by = pooled.narrow(1, 4, 1);
                var det = sxx * syy - sxy * sxy;
                var du = (sxy * by - syy * bx) / det;
                var dv = (sxy * bx - sxx * by) / det;
                flow = (flow + torch.cat(new[] { du, dv }, 1)).MoveToOuterDisposeScope();
                gxx = sxx.MoveToOuterDisposeScope();
                gxy = sxy.MoveToOuterDisposeScope();
                gyy = syy.MoveToOuterDisposeScope();
            }
            if (options.MedianFilter) flow = Median3x3(flow);
            if (fillTaps is not null)
            {
                // Confidence = smallest eigenvalue of the structure tensor, relative to the regulariser: the flow of
                // untextured pixels is replaced by the confidence-weighted average of its neighbourhood.
                var half = (gxx + gyy) * 0.5f;
                var diff = (gxx - gyy) * 0.5f;
                var lmin = (half - (diff * diff + gxy * gxy).sqrt() - eps).clamp_min(0);
                var conf = lmin / (lmin + eps * 10f);
                var num = ImageOps.SeparableFilter(flow * conf, fillTaps);
                var den = ImageOps.SeparableFilter(conf, fillTaps).clamp_min(1e-6f);
                flow = flow * conf + num / den * (1f - conf);
            }
        }
        return flow.MoveToOuterDisposeScope();
    }

    /// <summary>Upsamples a coarse flow field to (h, w) with the pyramid's pixel mapping (fine x ↔ coarse x/2).</summary>
    private static Tensor Upsample(Tensor flow, long h, long w)
    {
        using var scope = NewDisposeScope();
        var grid = ImageOps.PixelGrid(h, w) * 0.5f;
        var g = ImageOps.ToNormalized(grid, flow.shape[3], flow.shape[2]);
        return F.grid_sample(flow, g, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: true).MoveToOuterDisposeScope();
    }

    /// <summary>The LibTorch pyramid: binomial blur and subsampling per level, central-difference gradients, replicate borders.</summary>
    internal static (Tensor[] Levels, Tensor[] GradX, Tensor[] GradY) Pyramid(Tensor frame, int levels, double preSmoothSigma)
    {
        var lv = new Tensor[levels];
        var gx = new Tensor[levels];
        var gy = new Tensor[levels];
        var cur = frame.unsqueeze(0).to_type(ScalarType.Float32).contiguous();
        if (preSmoothSigma > 0) cur = ImageOps.GaussianBlur(cur, preSmoothSigma);
        for (int l = 0; l < levels; l++)
        {
            if (l > 0) cur = ImageOps.Downsample(cur);
            lv[l] = cur;
            (gx[l], gy[l]) = Gradients(cur);
        }
        return (lv, gx, gy);
    }

    /// <summary>Central-difference gradients (∂/∂x, ∂/∂y) with replicate borders.</summary>
    private static (Tensor Gx, Tensor Gy) Gradients(Tensor x)
    {
        using var scope = NewDisposeScope();
        long c = x.shape[1];
        var p = F.pad(x, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate);
        var kx = torch.tensor(new float[] { -0.5f, 0, 0.5f }).view(1, 1, 1, 3).expand(c, 1, 1, 3);
        var ky = torch.tensor(new float[] { -0.5f, 0, 0.5f }).view(1, 1, 3, 1).expand(c, 1, 3, 1);
        var gx = F.conv2d(p.narrow(2, 1, x.shape[2]), kx, groups: c);
        var gy = F.conv2d(p.narrow(3, 1, x.shape[3]), ky, groups: c);
        return (gx.MoveToOuterDisposeScope(), gy.MoveToOuterDisposeScope());
    }

    // Compare-exchange pairs of the classic 19-exchange median-of-9 network (the median ends in slot 4).
    private static readonly (int, int)[] Median9Network =
    {
        (1, 2), (4, 5), (7, 8), (0, 1), (3, 4), (6, 7), (1, 2), (4, 5), (7, 8), (0, 3),
        (5, 8), (4, 7), (3, 6), (1, 4), (2, 5), (4, 7), (4, 2), (6, 4), (4, 2),
    };

    /// <summary>
    /// 3×3 median filter per channel (replicate borders), used to remove flow outliers. Runs a min/max sorting
    /// network on the nine shifted planes, much cheaper than sorting every neighbourhood.
    /// </summary>
    private static Tensor Median3x3(Tensor x)
    {
        using var scope = NewDisposeScope();
        long h = x.shape[2], w = x.shape[3];
        var p = F.pad(x, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate);
        var v = new Tensor[9];
        for (int dy = 0; dy < 3; dy++)
            for (int dx = 0; dx < 3; dx++)
                v[dy * 3 + dx] = p.narrow(2, dy, h).narrow(3, dx, w);
        foreach (var (i, j) in Median9Network)
        {
            var lo = torch.minimum(v[i], v[j]);
            var hi = torch.maximum(v[i], v[j]);
            v[i] = lo;
            v[j] = hi;
        }
        return v[4].contiguous().MoveToOuterDisposeScope();
    }
}
