using DragVideo.Tracking.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Tracking;

/// <summary>
/// Weight-free <see cref="IMaskPropagator"/> (the paper uses Track-Anything). Each key-frame mask is carried to the
/// frames up to its neighbouring mask key frames by dense optical flow: the flow from frame t to the key frame is
/// computed directly (no drift accumulates), its coarse-to-fine search started from frame t∓1's flow to the key; the
/// key mask is backward-warped with it, masks carried from the key frames on both sides are blended by temporal distance,
/// thresholded and cleaned (closing, small components removed, small holes filled). Every mask is then grown by
/// <see cref="PropagationOptions.Radius"/> and swept along the frame's drag vectors, as the released code does.
/// When no key frame has a mask, every frame gets a full-frame mask.
/// </summary>
public sealed class FlowMaskPropagator : IMaskPropagator
{
    private readonly PyramidalOpticalFlow _flow;

    /// <summary>Creates the propagator (default <see cref="PropagationOptions"/> when null) with the built-in flow.</summary>
    public FlowMaskPropagator(PropagationOptions? options = null) : this(options, null) { }

    /// <summary>Creates the propagator with explicit options and flow settings (null = defaults).</summary>
    public FlowMaskPropagator(PropagationOptions? options, PyramidalOpticalFlow? flow)
    {
        Options = (options ?? new PropagationOptions()).Validate();
        _flow = flow ?? new PyramidalOpticalFlow(Options.Flow);
    }

    /// <summary>The settings in use.</summary>
    public PropagationOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidDragRequestException">the key frames do not fit the clip (field named), or
    /// <paramref name="points"/> does not have one entry per frame ("points").</exception>
    public IReadOnlyList<BinaryMask> Propagate(VideoClip clip, IReadOnlyList<KeyframeDrag> keyframes, PointPropagation points,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(keyframes);
        ArgumentNullException.ThrowIfNull(points);
        return PropagateValidated(clip, PropagationInput.Validate(clip, keyframes), points, cancellationToken);
    }

    /// <summary><see cref="Propagate"/> on key frames already checked and sorted by <see cref="PropagationInput.Validate"/>.</summary>
    internal IReadOnlyList<BinaryMask> PropagateValidated(VideoClip clip, IReadOnlyList<KeyframeDrag> keys, PointPropagation points,
        CancellationToken cancellationToken)
    {
        if (points.Pairs.Count != clip.FrameCount)
            throw new InvalidDragRequestException("points", $"has {points.Pairs.Count} frames; the clip has {clip.FrameCount}.");
        using var threads = TorchThreadLimit.Use(Options.TorchThreads);
        var carried = Carry(clip, keys, cancellationToken);
        var result = new BinaryMask[clip.FrameCount];
        for (int f = 0; f < result.Length; f++)
        {
            var m = MaskOperations.Dilate(carried[f], Options.Radius);
            if (Options.StretchMaskAlongDrag) m = MaskOperations.StretchAlong(m, points.Pairs[f]);
            result[f] = m;
        }
        return result;
    }

    /// <summary>The carried (not yet grown) mask of every frame.</summary>
    internal BinaryMask[] Carry(VideoClip clip, IReadOnlyList<KeyframeDrag> keys, CancellationToken ct)
    {
        int frames = clip.FrameCount, w = clip.Width, h = clip.Height;
        var maskKeys = keys.Where(k => k.Mask is not null).ToArray();
        var result = new BinaryMask[frames];
        if (maskKeys.Length == 0)
        {
            var full = BinaryMask.Filled(w, h, true);
            for (int f = 0; f < frames; f++) result[f] = full;
            return result;
        }
        TorchRuntime.EnsureLoaded();
        // soft[f] accumulates Σ weight·warped mask and weight per frame.
        var soft = new Tensor?[frames];
        var weight = new float[frames];
        using var scope = NewDisposeScope();
        for (int k = 0; k < maskKeys.Length; k++)
        {
            int a = maskKeys[k].FrameIndex;
            int prev = k > 0 ? maskKeys[k - 1].FrameIndex : 0;
            int next = k + 1 < maskKeys.Length ? maskKeys[k + 1].FrameIndex : frames - 1;
            using var keyMask = maskKeys[k].Mask!.ToTensor().view(1, 1, h, w);
            CarryOneWay(clip, keyMask, a, next, bounded: k + 1 < maskKeys.Length, soft, weight, ct);
            CarryOneWay(clip, keyMask, a, prev, bounded: k > 0, soft, weight, ct);
        }
        double keyArea = maskKeys.Average(k => k.Mask!.Count);
        int speckle = (int)Math.Round(Options.MaskSpeckleFraction * keyArea);
        for (int f = 0; f < frames; f++)
        {
            var exact = maskKeys.FirstOrDefault(k => k.FrameIndex == f);
            if (exact is not null) { result[f] = exact.Mask!; continue; }
            using var pause = GcPause.Begin(); // no collection while this frame's scalars are in native calls
            using var m = (soft[f]! / weight[f]).gt(Options.MaskThreshold).contiguous();
            var mask = BinaryMask.FromTensor(m[0, 0]);
            mask = MaskOperations.Close(mask, Options.MaskCloseRadius);
            mask = MaskOperations.RemoveSmallComponents(mask, speckle);
            mask = MaskOperations.FillHoles(mask, speckle);
            result[f] = mask;
        }
        foreach (var s in soft) s?.Dispose();
        return result;
    }

    /// <summary>
    /// Dense flow blurs motion boundaries (a window straddling object and background averages their motions), so the
    /// edge of a carried mask lags behind a moving object. This fits one affine map frame → key frame to the flow of the
    /// mask's interior (pixels at least 5 px inside), refits without outliers, and, when the fit is good, returns the key
    /// mask warped by it; the caller takes the union with the dense result. Returns zeros when the fit is unreliable.
    /// </summary>
    private static Tensor AffineWarp(Tensor keyMask, Tensor dense, Tensor flow, Tensor grid)
    {
        using var scope = NewDisposeScope();
        long h = dense.shape[2], w = dense.shape[3];
        var interior = -ImageOps.SquareMax(-dense, 5);
        var sel = interior.gt(0.5).view(-1);
        long m = sel.sum().item<long>();
        if (m < 64) return torch.zeros_like(dense).MoveToOuterDisposeScope();
        var xy = grid.view(-1, 2)[sel];
        var target = xy + flow.permute(0, 2, 3, 1).reshape(-1, 2)[sel];
        var design = torch.cat(new[] { xy, torch.ones(m, 1) }, 1);
        Tensor? affine = null;
        Tensor keep = torch.ones(m, ScalarType.Bool);
        double medianResidual = double.PositiveInfinity;
        for (int pass = 0; pass < 2; pass++)
        {
            var d = design[keep];
            var y = target[keep];
            if (d.shape[0] < 32) break;
            var gram = d.t().matmul(d) + torch.eye(3) * 1e-6f;
            affine = torch.linalg.solve(gram, d.t().matmul(y));
            var residual = (design.matmul(affine) - target).norm(1);
            medianResidual = residual[keep].median().item<float>();
            keep = residual.le(Math.Max(1.0, 2.5 * medianResidual));
        }
        if (affine is null || medianResidual > 1.5) return torch.zeros_like(dense).MoveToOuterDisposeScope();
        var all = torch.cat(new[] { grid.view(-1, 2), torch.ones(h * w, 1) }, 1).matmul(affine).view(1, h, w, 2);
        var g = ImageOps.ToNormalized(all, w, h);
        return F.grid_sample(keyMask, g, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: true).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Carries the key mask at frame <paramref name="key"/> towards <paramref name="end"/> (inclusive, exclusive of
    /// the key), weighting each frame by its temporal closeness when another mask key frame lies at
    /// <paramref name="end"/> (<paramref name="bounded"/>; that frame keeps its own mask and is skipped).
    /// </summary>
    private void CarryOneWay(VideoClip clip, Tensor keyMask, int key, int end, bool bounded,
        Tensor?[] soft, float[] weight, CancellationToken ct)
    {
        if (end == key) return;
        int step = end > key ? 1 : -1;
        int last = bounded ? end - step : end;
        int h = clip.Height, w = clip.Width;
        using var grid = ImageOps.PixelGrid(h, w);
        using var keyFrame = ImageOps.Frame(clip, key)[0];
        Tensor? toKey = null; // flow from the current frame to the key frame, [1, 2, H, W]
        try
        {
            for (int t = key + step; step > 0 ? t <= last : t >= last; t += step)
            {
                ct.ThrowIfCancellationRequested();
                using var pause = GcPause.Begin();
                using var scope = NewDisposeScope();
                var cur = ImageOps.Frame(clip, t)[0];
                // The previous frame's flow to the key frame starts the coarse-to-fine search (it is off only by one
                // frame's motion, which the pyramid absorbs); the flow is then refined directly against the key frame,
                // so no error accumulates along the chain.
                var refined = (toKey is null ? _flow.Compute(cur, keyFrame) : _flow.Compute(cur, keyFrame, toKey[0])).unsqueeze(0);
                var warped = ImageOps.Warp(keyMask, refined, grid, GridSamplePaddingMode.Zeros);
                if (Options.MaskOcclusionThreshold > 0)
                {
                    // Pixels whose colour does not match the key-frame pixel they map to were hidden in the key frame
                    // (typically background uncovered behind a moving object): they cannot inherit its mask.
                    var seen = ImageOps.Warp(keyFrame.unsqueeze(0), refined, grid);
                    var residual = ImageOps.GaussianBlur((seen - cur.unsqueeze(0)).abs().mean(new long[] { 1 }, keepdim: true), 1.0);
                    warped = warped * residual.lt(Options.MaskOcclusionThreshold).to_type(ScalarType.Float32);
                }
                if (Options.MaskAffineFit) warped = torch.maximum(warped, AffineWarp(keyMask, warped, refined, grid));
                float wgt = bounded ? 1f - Math.Abs(t - key) / (float)Math.Abs(end - key) : 1f;
                // Never zero: a frame between two key frames always hears from both.
                wgt = Math.Max(wgt, 1e-3f);
                var contrib = warped * wgt;
                if (soft[t] is null) soft[t] = contrib.DetachFromDisposeScope();
                else
                {
                    var sum = (soft[t]! + contrib).DetachFromDisposeScope();
                    soft[t]!.Dispose();
                    soft[t] = sum;
                }
                weight[t] += wgt;
                toKey?.Dispose();
                toKey = refined.DetachFromDisposeScope();
            }
        }
        finally
        {
            toKey?.Dispose();
        }
    }
}
