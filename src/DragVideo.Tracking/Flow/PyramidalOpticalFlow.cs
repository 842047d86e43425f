using DragVideo.Tracking.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Tracking;

/// <summary>
/// Weight-free dense optical flow: coarse-to-fine, window-pooled (Lucas–Kanade) brightness constancy on all three
/// colour channels, solved per pixel with iterative backward warping (<c>grid_sample</c>) and symmetric gradients, then
/// a 3×3 median and a confidence-weighted fill of untextured areas after each level. Runs with TorchSharp on the CPU in
/// float32; a 256² pair takes a few tens of milliseconds.
/// </summary>
public sealed class PyramidalOpticalFlow : IOpticalFlow
{
    /// <summary>Creates the flow with <paramref name="options"/> (defaults when null).</summary>
    public PyramidalOpticalFlow(OpticalFlowOptions? options = null)
    {
        Options = (options ?? new OpticalFlowOptions()).Validate();
    }

    /// <summary>The settings in use.</summary>
    public OpticalFlowOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">the frames are not <c>[3, H, W]</c> of equal size.</exception>
    public Tensor Compute(Tensor from, Tensor to) => Compute(from, to, null);

    /// <summary>
    /// Like <see cref="Compute(Tensor, Tensor)"/>, starting from <paramref name="initialFlow"/> <c>[2, H, W]</c>
    /// (pixels, from → to) instead of zero; useful to refine a chained long-range flow. Returns float32 CPU <c>[2, H, W]</c>.
    /// </summary>
    public Tensor Compute(Tensor from, Tensor to, Tensor? initialFlow)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        CheckFrame(from, nameof(from));
        CheckFrame(to, nameof(to));
        if (from.shape[1] != to.shape[1] || from.shape[2] != to.shape[2])
            throw new ArgumentException($"frames differ in size: [{string.Join(", ", from.shape)}] vs [{string.Join(", ", to.shape)}].", nameof(to));
        if (initialFlow is not null && (initialFlow.dim() != 3 || initialFlow.shape[0] != 2 || initialFlow.shape[1] != from.shape[1] || initialFlow.shape[2] != from.shape[2]))
            throw new ArgumentException($"initial flow must be [2, {from.shape[1]}, {from.shape[2]}]; got [{string.Join(", ", initialFlow.shape)}].", nameof(initialFlow));
        TorchRuntime.EnsureLoaded();
        using var threads = TorchThreadLimit.Use(Options.TorchThreads);
        using var scope = NewDisposeScope();
        int levels = FramePyramid.LevelCount(from.shape[2], from.shape[1], Options.MaxLevels, Options.MinLevelSize);
        using var a = FramePyramid.Build(from.unsqueeze(0).to(CPU), levels, Options.PreSmoothSigma);
        using var b = FramePyramid.Build(to.unsqueeze(0).to(CPU), levels, Options.PreSmoothSigma);
        var init = initialFlow?.unsqueeze(0).to(CPU).to_type(ScalarType.Float32);
        return ComputeCore(a, b, init)[0].MoveToOuterDisposeScope();
    }

    /// <summary>Flow between two pyramids with the same level count → <c>[1, 2, H, W]</c> (caller owns it).</summary>
    internal Tensor ComputeCore(FramePyramid a, FramePyramid b, Tensor? initialFlow)
    {
        using var scope = NewDisposeScope();
        int top = a.Count - 1;
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
        var windowTaps = ImageOps.GaussianTaps(Options.WindowSigma);
        var fillTaps = Options.FillSigma > 0 ? ImageOps.GaussianTaps(Options.FillSigma) : null;
        float eps = (float)Options.Regularization;
        for (int l = top; l >= 0; l--)
        {
            var i0 = a.Levels[l];
            long h = i0.shape[2], w = i0.shape[3];
            if (l < top) flow = Upsample(flow, h, w) * 2f;
            var grid = ImageOps.PixelGrid(h, w);
            long c = i0.shape[1];
            var stacked = torch.cat(new[] { b.Levels[l], b.GradX[l], b.GradY[l] }, 1);
            Tensor gxx = null!, gxy = null!, gyy = null!;
            for (int it = 0; it < Options.Iterations; it++)
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
            if (Options.MedianFilter) flow = ImageOps.Median3x3(flow);
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

    private static void CheckFrame(Tensor t, string name)
    {
        if (t.dim() != 3 || t.shape[0] != 3)
            throw new ArgumentException($"a frame must be [3, H, W]; got [{string.Join(", ", t.shape)}].", name);
        if (t.shape[1] < 2 || t.shape[2] < 2)
            throw new ArgumentException($"a frame must be at least 2×2 pixels; got {t.shape[2]}×{t.shape[1]}.", name);
    }
}
