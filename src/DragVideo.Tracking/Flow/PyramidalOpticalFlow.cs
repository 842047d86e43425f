using DragVideo.Tracking.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Tracking;

/// <summary>
/// Weight-free dense optical flow: coarse-to-fine, window-pooled (Lucas–Kanade) brightness constancy on all three
/// colour channels, solved per pixel with iterative backward bilinear warping and symmetric gradients, then a 3×3 median
/// and a confidence-weighted fill of untextured areas after each level. The pyramids (<see cref="FramePyramid"/>) and
/// each level's solve (<see cref="FlowLevelSolver"/>) are fused loops over managed planes on the calling thread, in
/// float32 on the CPU.
/// </summary>
public sealed class PyramidalOpticalFlow : IOpticalFlow
{
    private readonly FlowLevelSolver _solver;

    /// <summary>Creates the flow with <paramref name="options"/> (defaults when null).</summary>
    public PyramidalOpticalFlow(OpticalFlowOptions? options = null)
    {
        Options = (options ?? new OpticalFlowOptions()).Validate();
        _solver = new FlowLevelSolver(Options);
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
        var a = FramePyramid.Build(from, levels, Options.PreSmoothSigma);
        var b = FramePyramid.Build(to, levels, Options.PreSmoothSigma);
        var init = initialFlow?.unsqueeze(0).to(CPU).to_type(ScalarType.Float32);
        return ComputeCore(a, b, init)[0].MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The flow between two managed frames <c>[3, H, W]</c> of equal size, from zero, as a managed <c>[2, H, W]</c>
    /// image (u plane, then v plane; pixels). Makes no LibTorch call, so callers may run it on several threads beside
    /// LibTorch work (docs/performance.md "Threads").
    /// </summary>
    internal HostImage ComputeHost(HostImage from, HostImage to)
    {
        if (from.Channels != 3 || to.Channels != 3 || from.Width != to.Width || from.Height != to.Height || from.Width < 2 || from.Height < 2)
            throw new ArgumentException($"frames must be [3, H, W] of equal size, at least 2×2; got [{from.Channels}, {from.Height}, {from.Width}] and [{to.Channels}, {to.Height}, {to.Width}].", nameof(to));
        int levels = FramePyramid.LevelCount(from.Width, from.Height, Options.MaxLevels, Options.MinLevelSize);
        var (u, v) = Solve(FramePyramid.Build(from, levels, Options.PreSmoothSigma), FramePyramid.Build(to, levels, Options.PreSmoothSigma), null);
        return new HostImage(2, from.Height, from.Width, Planes(u, v));
    }

    /// <summary>Flow between two pyramids with the same level count → <c>[1, 2, H, W]</c> (caller owns it).</summary>
    internal Tensor ComputeCore(FramePyramid a, FramePyramid b, Tensor? initialFlow)
    {
        var (u, v) = Solve(a, b, initialFlow is null ? null : CoarsestInitial(initialFlow, a.Count - 1));
        return torch.tensor(Planes(u, v), new long[] { 1, 2, a.Height, a.Width });
    }

    /// <summary>The u plane followed by the v plane: the <c>[2, H, W]</c> layout of a flow.</summary>
    private static float[] Planes(float[] u, float[] v)
    {
        var flow = new float[u.Length + v.Length];
        u.CopyTo(flow, 0);
        v.CopyTo(flow, u.Length);
        return flow;
    }

    /// <summary>Coarse to fine over both pyramids from <paramref name="coarsest"/> (zero when null): managed work only.</summary>
    private (float[] U, float[] V) Solve(FramePyramid a, FramePyramid b, (float[] U, float[] V)? coarsest)
    {
        int top = a.Count - 1;
        var (u, v) = coarsest ?? Zero(a.Levels[top]);
        for (int l = top; l >= 0; l--)
        {
            var level = a.Levels[l];
            if (l < top)
            {
                var coarse = a.Levels[l + 1];
                (u, v) = FlowLevelSolver.Upsample(u, v, coarse.Height, coarse.Width, level.Height, level.Width);
            }
            _solver.Solve(level, a.GradX[l], a.GradY[l], b.Levels[l], b.GradX[l], b.GradY[l], u, v);
        }
        return (u, v);
    }

    private static (float[] U, float[] V) Zero(HostImage coarsest) =>
        (new float[coarsest.Width * coarsest.Height], new float[coarsest.Width * coarsest.Height]);

    /// <summary>Brings an initial flow <c>[1, 2, H, W]</c> to the coarsest level: subsampled like the pyramid, vectors scaled.</summary>
    private static (float[] U, float[] V) CoarsestInitial(Tensor initialFlow, int top)
    {
        using var scope = NewDisposeScope();
        var flow = initialFlow;
        for (int l = 0; l < top; l++) flow = ImageOps.Downsample(flow) * 0.5f;
        var host = HostImage.FromTensor(flow);
        int n = host.Width * host.Height;
        return (host.Data[..n], host.Data[n..]);
    }

    private static void CheckFrame(Tensor t, string name)
    {
        if (t.dim() != 3 || t.shape[0] != 3)
            throw new ArgumentException($"a frame must be [3, H, W]; got [{string.Join(", ", t.shape)}].", name);
        if (t.shape[1] < 2 || t.shape[2] < 2)
            throw new ArgumentException($"a frame must be at least 2×2 pixels; got {t.shape[2]}×{t.shape[1]}.", name);
    }
}
