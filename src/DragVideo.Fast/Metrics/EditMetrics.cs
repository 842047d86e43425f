using DragVideo.Tracking;
using DragVideo.Tracking.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.Metrics;

/// <summary>
/// Weight-free quality metrics of a drag edit (docs/metrics.md): drag accuracy (where did the handle's content go?),
/// temporal consistency (paper Eq. 8 plus a warp error), fidelity outside the editable mask (PSNR, MAE) and, when an
/// <see cref="IClipImageEncoder"/> is supplied, CLIP consistency (paper Eq. 7).
/// </summary>
public sealed class EditMetrics
{
    private readonly IOpticalFlow _flow;
    private readonly IClipImageEncoder? _clip;

    /// <summary>Creates the metrics with the default weight-free flow (<see cref="PyramidalOpticalFlow"/>) and no CLIP encoder.</summary>
    /// <param name="options">options (null = defaults); validated here.</param>
    public EditMetrics(EditMetricsOptions? options = null)
        : this(new PyramidalOpticalFlow(), null, options)
    {
    }

    /// <summary>Creates the metrics.</summary>
    /// <param name="flow">optical flow for Eq. 8, the warp error and (optionally) drag accuracy.</param>
    /// <param name="clipEncoder">CLIP image encoder for Eq. 7, or null to skip it.</param>
    /// <param name="options">options (null = defaults); validated here.</param>
    public EditMetrics(IOpticalFlow flow, IClipImageEncoder? clipEncoder = null, EditMetricsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(flow);
        _flow = flow;
        _clip = clipEncoder;
        Options = options ?? EditMetricsOptions.Default;
        Options.Validate();
    }

    /// <summary>The options in use.</summary>
    public EditMetricsOptions Options { get; }

    /// <summary>Measures an edit with the default flow and options (see <see cref="Measure"/>).</summary>
    public static EditMetricsReport Compute(VideoClip original, VideoClip edited, PropagatedInstruction instruction,
        EditMetricsOptions? options = null, CancellationToken cancellationToken = default) =>
        new EditMetrics(options).Measure(original, edited, instruction, cancellationToken);

    /// <summary>
    /// Measures an edit. With the built-in <see cref="PyramidalOpticalFlow"/> the flow work runs on the calling thread
    /// and two workers, on managed copies of the frames (64 MiB per clip at a time); a caller-supplied
    /// <see cref="IOpticalFlow"/> is called on the calling thread only, one pair at a time. LibTorch runs only on the
    /// calling thread either way.
    /// </summary>
    /// <param name="original">the input clip, frames <c>[F, 3, H, W]</c> in [0, 1].</param>
    /// <param name="edited">the edited clip, same shape.</param>
    /// <param name="instruction">the per-frame instruction the edit followed (one entry per frame).</param>
    /// <param name="cancellationToken">checked between frames.</param>
    /// <exception cref="InvalidMediaException">the clips differ in shape.</exception>
    /// <exception cref="ArgumentException">the instruction does not have one entry per frame of the clip's size.</exception>
    public EditMetricsReport Measure(VideoClip original, VideoClip edited, PropagatedInstruction instruction,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(edited);
        ArgumentNullException.ThrowIfNull(instruction);
        if (!original.Frames.shape.SequenceEqual(edited.Frames.shape))
            throw new InvalidMediaException($"the edited clip is [{string.Join(", ", edited.Frames.shape)}] but the original is [{string.Join(", ", original.Frames.shape)}]; metrics need clips of the same frame count and size.");
        if (instruction.Frames.Count != original.FrameCount)
            throw new ArgumentException($"the instruction has {instruction.Frames.Count} frames; the clip has {original.FrameCount}.", nameof(instruction));
        for (int f = 0; f < instruction.Frames.Count; f++)
        {
            var m = instruction.Frames[f].Mask;
            if (m.Width != original.Width || m.Height != original.Height)
                throw new ArgumentException($"frame {f}: the mask is {m.Width}×{m.Height}; the clip is {original.Width}×{original.Height}.", nameof(instruction));
        }
        TorchRuntime.EnsureLoaded();

        var flows = _flow is PyramidalOpticalFlow managed
            ? FlowMeasuresOnHost(managed, original, edited, instruction, cancellationToken)
            : FlowMeasures(original, edited, instruction, cancellationToken);
        var frameDistances = new double[original.FrameCount];
        var allDistances = new List<double>();
        var initial = new List<double>();
        for (int f = 0; f < frameDistances.Length; f++)
        {
            if (flows.Drag[f] is not { } fd) continue;
            frameDistances[f] = fd.Distances.Length == 0 ? 0 : fd.Distances.Average();
            allDistances.AddRange(fd.Distances);
            initial.AddRange(fd.Initial);
        }
        double maxFlow = flows.Edited.MeanMaxFlow, warpError = flows.Edited.WarpError;
        double? origMaxFlow = flows.Original?.MeanMaxFlow, origWarpError = flows.Original?.WarpError;
        var (psnr, mae, outside) = Fidelity(original, edited, instruction);
        double? clip = null, origClip = null;
        if (_clip is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            clip = ClipConsistency(_clip, edited.Frames);
            if (Options.IncludeOriginalReference) origClip = ClipConsistency(_clip, original.Frames);
        }

        return new EditMetricsReport(
            MeanDragDistance: allDistances.Count == 0 ? 0 : allDistances.Average(),
            MaxDragDistance: allDistances.Count == 0 ? 0 : allDistances.Max(),
            MeanInitialDragDistance: initial.Count == 0 ? 0 : initial.Average(),
            FrameDragDistances: frameDistances,
            MeasuredPoints: allDistances.Count,
            TemporalMaxFlow: maxFlow,
            OriginalTemporalMaxFlow: origMaxFlow,
            WarpError: warpError,
            OriginalWarpError: origWarpError,
            PsnrOutsideMask: psnr,
            MaeOutsideMask: mae,
            OutsideFraction: outside,
            ClipConsistency: clip,
            OriginalClipConsistency: origClip);
    }

    /// <summary>One frame's drag accuracy: per visible pair, the distance of the located content to the target, and the pair's length.</summary>
    private sealed record FrameDrag(double[] Distances, double[] Initial);

    /// <summary>
    /// Drag accuracy of one frame: per visible pair, the handle's original content (a patch of the original frame) is
    /// located in the edited frame — by patch search in the box around handle and target grown by the search margin,
    /// and at the flow's candidate when there is one, keeping the better match — and its distance to the target is
    /// measured. Managed work only.
    /// </summary>
    private FrameDrag MeasureFrameDrag(HostImage original, HostImage edited, FrameInstruction frame, DragPoint?[]? flowCandidates)
    {
        int r = Options.PatchRadius, margin = Options.SearchMargin;
        var distances = new List<double>();
        var initial = new List<double>();
        for (int j = 0; j < frame.Pairs.Count; j++)
        {
            if (j < frame.Visible.Count && !frame.Visible[j]) continue;
            var pair = frame.Pairs[j];
            var template = PatchLocator.Patch(original, pair.Handle, r);
            var (x0, y0, x1, y1) = PairBox(pair, margin);
            var best = PatchLocator.Search(edited, template, r, x0, y0, x1, y1);
            if (flowCandidates?[j] is DragPoint candidate && candidate.IsFinite && candidate.IsInside(original.Width, original.Height))
            {
                double ssd = PatchLocator.SsdAt(edited, template, candidate, r);
                if (ssd < best.Ssd) best = new PatchLocator.Match(candidate, ssd);
            }
            distances.Add(best.Point.DistanceTo(pair.Target));
            initial.Add(pair.Length);
        }
        return new FrameDrag(distances.ToArray(), initial.ToArray());
    }

    /// <summary>Eq. 8 and the warp error of one clip.</summary>
    private readonly record struct TemporalMeasures(double MeanMaxFlow, double WarpError);

    /// <summary>The per-frame measures: both clips' temporal measures and each measured frame's drag accuracy.</summary>
    /// <param name="Edited">the edited clip's Eq. 8 and warp error.</param>
    /// <param name="Original">the original clip's, when <see cref="EditMetricsOptions.IncludeOriginalReference"/> is set.</param>
    /// <param name="Drag">per frame, its drag accuracy (null for frames the stride skips).</param>
    private sealed record FrameMeasures(TemporalMeasures Edited, TemporalMeasures? Original, FrameDrag?[] Drag);

    /// <summary>
    /// The per-frame measures with the built-in flow, in chunks of <see cref="HostChunkBytes"/> per clip: the calling
    /// thread copies a chunk to managed memory (the only LibTorch calls), then the edited clip's pairs and the original
    /// clip's pairs run on two workers while the calling thread measures drag accuracy (flow candidates and patch
    /// search), all on managed planes. No LibTorch call overlaps the workers, whose allocations can start a garbage
    /// collection: TorchSharp hands LibTorch the native handle of an argument it converted itself (a <c>Scalar</c> made
    /// from a number) without keeping the managed object alive, and a collection on another thread can free it
    /// mid-call (dotnet/TorchSharp#1434; docs/performance.md "Threads").
    /// </summary>
    private FrameMeasures FlowMeasuresOnHost(PyramidalOpticalFlow flow, VideoClip original, VideoClip edited,
        PropagatedInstruction instruction, CancellationToken ct)
    {
        int n = original.FrameCount, stride = Options.FrameStride, margin = Options.FlowBorderMargin;
        int grow = Options.SearchMargin + Options.PatchRadius;
        var drag = new FrameDrag?[n];
        var editedSums = new TemporalSums();
        var originalSums = Options.IncludeOriginalReference ? new TemporalSums() : null;
        long frameBytes = 4L * original.Frames.shape[1] * original.Width * original.Height;
        int chunk = (int)Math.Clamp(HostChunkBytes / frameBytes, 2, n);
        for (int start = 0; start < n; start += chunk)
        {
            ct.ThrowIfCancellationRequested();
            int end = Math.Min(n, start + chunk);
            int last = Math.Min(n - 1, end); // a chunk's last pair reaches the next chunk's first frame
            var e = ToHost(edited.Frames, start, last);
            var o = ToHost(original.Frames, start, last);
            var work = new List<Task>
            {
                Task.Run(() => editedSums.AddPairs(flow, e, start, end, n, stride, margin, ct), ct),
            };
            if (originalSums is not null) work.Add(Task.Run(() => originalSums.AddPairs(flow, o, start, end, n, stride, margin, ct), ct));
            // The drag accuracy runs here, beside the two workers (the pool may have only as many threads as cores).
            try
            {
                for (int f = start; f < end; f++)
                {
                    if (f % stride != 0) continue;
                    var candidates = Options.UseFlowForDragAccuracy ? CandidatesOnHost(flow, o[f - start], e[f - start], instruction.Frames[f], grow, ct) : null;
                    drag[f] = MeasureFrameDrag(o[f - start], e[f - start], instruction.Frames[f], candidates);
                }
            }
            finally
            {
                // Every worker ends before this call goes on (or throws): none may overlap the LibTorch work after it.
                try { Task.WaitAll(work.ToArray()); }
                catch (AggregateException) { } // rethrown below, unwrapped, unless this thread is already throwing
            }
            Task.WhenAll(work).GetAwaiter().GetResult();
        }
        return new FrameMeasures(editedSums.Result, originalSums?.Result, drag);
    }

    /// <summary>
    /// Managed copy of each clip per chunk, bytes: whole clips of a few hundred small frames fit in one chunk (no
    /// barrier between workers), a long full-HD clip goes a few frames at a time.
    /// </summary>
    internal long HostChunkBytes { get; init; } = 64L << 20;

    private static HostImage[] ToHost(Tensor frames, int first, int last)
    {
        var result = new HostImage[last - first + 1];
        for (int t = first; t <= last; t++)
        {
            using var scope = NewDisposeScope();
            result[t - first] = HostImage.FromTensor(frames[t]);
        }
        return result;
    }

    /// <summary>
    /// Running sums of paper Eq. 8 — <c>(1 / (F−1)) Σ_t max_x |flow_{t→t+1}(x)|</c> — and of the warp error
    /// <c>mean |I_{t+1}(x + flow(x)) − I_t(x)|</c> over a clip's pairs (t, t+1), t a multiple of the stride, both over the
    /// pixels at least <see cref="EditMetricsOptions.FlowBorderMargin"/> from the edge (<see cref="HostFlowMeasures"/>).
    /// </summary>
    private sealed class TemporalSums
    {
        private double _max, _error;
        private int _pairs;

        public TemporalMeasures Result => _pairs == 0 ? new TemporalMeasures(0, 0) : new TemporalMeasures(_max / _pairs, _error / _pairs);

        /// <summary>Adds the pairs starting in [<paramref name="start"/>, <paramref name="end"/>); <paramref name="frames"/>[0] is frame <paramref name="start"/>.</summary>
        public void AddPairs(PyramidalOpticalFlow flow, HostImage[] frames, int start, int end, int count, int stride, int margin, CancellationToken ct)
        {
            for (int t = start; t < end && t + 1 < count; t++)
            {
                if (t % stride != 0) continue;
                ct.ThrowIfCancellationRequested();
                var a = frames[t - start];
                var b = frames[t + 1 - start];
                Add(a, b, flow.ComputeHost(a, b), margin);
            }
        }

        /// <summary>Adds the pair (<paramref name="a"/>, <paramref name="b"/>) with its flow <c>[2, H, W]</c>.</summary>
        public void Add(HostImage a, HostImage b, HostImage flow, int margin)
        {
            _max += HostFlowMeasures.MaxMagnitude(flow, margin);
            _error += HostFlowMeasures.WarpError(a, b, flow, margin);
            _pairs++;
        }
    }

    /// <summary>The flow candidates of one frame's visible pairs, on managed planes (see <see cref="FlowWindow"/>).</summary>
    private static DragPoint?[] CandidatesOnHost(PyramidalOpticalFlow flow, HostImage original, HostImage edited,
        FrameInstruction frame, int grow, CancellationToken ct)
    {
        var result = new DragPoint?[frame.Pairs.Count];
        for (int j = 0; j < frame.Pairs.Count; j++)
        {
            if (j < frame.Visible.Count && !frame.Visible[j]) continue;
            ct.ThrowIfCancellationRequested();
            var pair = frame.Pairs[j];
            var (x0, y0, x1, y1) = FlowWindow(pair, grow, original.Width, original.Height);
            var uv = flow.ComputeHost(original.Crop(x0, y0, x1 - x0 + 1, y1 - y0 + 1), edited.Crop(x0, y0, x1 - x0 + 1, y1 - y0 + 1));
            var local = HostFlowMeasures.Follow(uv, new DragPoint(pair.Handle.X - x0, pair.Handle.Y - y0));
            result[j] = new DragPoint(local.X + x0, local.Y + y0);
        }
        return result;
    }

    /// <summary>
    /// The per-frame measures with a caller-supplied <see cref="IOpticalFlow"/>, which may run LibTorch: everything one
    /// call at a time on the calling thread.
    /// </summary>
    private FrameMeasures FlowMeasures(VideoClip original, VideoClip edited, PropagatedInstruction instruction, CancellationToken ct)
    {
        var drag = new FrameDrag?[original.FrameCount];
        int grow = Options.SearchMargin + Options.PatchRadius;
        for (int f = 0; f < original.FrameCount; f += Options.FrameStride)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var fi = instruction.Frames[f];
            DragPoint?[]? candidates = null;
            if (Options.UseFlowForDragAccuracy)
            {
                candidates = new DragPoint?[fi.Pairs.Count];
                for (int j = 0; j < fi.Pairs.Count; j++)
                    if (j >= fi.Visible.Count || fi.Visible[j])
                        candidates[j] = FlowCandidate(original.Frames[f], edited.Frames[f], fi.Pairs[j], grow);
            }
            drag[f] = MeasureFrameDrag(HostImage.FromTensor(original.Frames[f]), HostImage.FromTensor(edited.Frames[f]), fi, candidates);
        }
        var e = TemporalOnCallingThread(edited.Frames, ct);
        TemporalMeasures? o = Options.IncludeOriginalReference ? TemporalOnCallingThread(original.Frames, ct) : null;
        return new FrameMeasures(e, o, drag);
    }

    /// <summary>Eq. 8 and the warp error of one clip with the caller's flow, one pair at a time on the calling thread.</summary>
    private TemporalMeasures TemporalOnCallingThread(Tensor frames, CancellationToken ct)
    {
        var sums = new TemporalSums();
        for (int t = 0; t + 1 < frames.shape[0]; t += Options.FrameStride)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var a = frames[t];
            var b = frames[t + 1];
            sums.Add(HostImage.FromTensor(a), HostImage.FromTensor(b), HostImage.FromTensor(_flow.Compute(a, b)), Options.FlowBorderMargin);
        }
        return sums.Result;
    }

    /// <summary>
    /// The window the drag candidate's flow is computed on: around handle and target, grown by the search margin, the
    /// patch radius and 24 px of context (content farther away cannot be where the handle's content went, and a window
    /// costs a fraction of a whole-frame flow). Inclusive pixel bounds.
    /// </summary>
    private static (int X0, int Y0, int X1, int Y1) FlowWindow(DragPair pair, int grow, int width, int height)
    {
        var (x0, y0, x1, y1) = PairBox(pair, grow + 24);
        return (Math.Max(0, x0), Math.Max(0, y0), Math.Min(width - 1, x1), Math.Min(height - 1, y1));
    }

    /// <summary>The pixel box around handle and target grown by <paramref name="grow"/> px (inclusive, not clipped).</summary>
    private static (int X0, int Y0, int X1, int Y1) PairBox(DragPair pair, int grow) =>
        ((int)MathF.Floor(MathF.Min(pair.Handle.X, pair.Target.X)) - grow,
         (int)MathF.Floor(MathF.Min(pair.Handle.Y, pair.Target.Y)) - grow,
         (int)MathF.Ceiling(MathF.Max(pair.Handle.X, pair.Target.X)) + grow,
         (int)MathF.Ceiling(MathF.Max(pair.Handle.Y, pair.Target.Y)) + grow);

    /// <summary>Where the flow from the original to the edited frame takes the handle (window: <see cref="FlowWindow"/>).</summary>
    private DragPoint FlowCandidate(Tensor original, Tensor edited, DragPair pair, int grow)
    {
        using var scope = NewDisposeScope();
        var (x0, y0, x1, y1) = FlowWindow(pair, grow, (int)original.shape[2], (int)original.shape[1]);
        var rows = TensorIndex.Slice(y0, y1 + 1);
        var cols = TensorIndex.Slice(x0, x1 + 1);
        var flow = _flow.Compute(original[TensorIndex.Colon, rows, cols], edited[TensorIndex.Colon, rows, cols]);
        var local = HostFlowMeasures.Follow(HostImage.FromTensor(flow), new DragPoint(pair.Handle.X - x0, pair.Handle.Y - y0));
        return new DragPoint(local.X + x0, local.Y + y0);
    }

    /// <summary>PSNR and MAE over pixels outside every frame's mask grown by <see cref="EditMetricsOptions.MaskDilation"/>.</summary>
    private (double? Psnr, double? Mae, double OutsideFraction) Fidelity(VideoClip original, VideoClip edited, PropagatedInstruction instruction)
    {
        using var scope = NewDisposeScope();
        var masks = torch.stack(instruction.Frames.Select(fi => fi.Mask.ToTensor()).ToArray(), 0).unsqueeze(1).to(original.Frames.device);
        int d = Options.MaskDilation;
        var grown = d == 0 ? masks : ImageOps.SquareMax(masks, d);
        var outside = grown.lt(0.5f).expand_as(original.Frames);
        long count = outside.sum().item<long>();
        double fraction = (double)count / outside.numel();
        if (count == 0) return (null, null, 0);
        var diff = (edited.Frames.to_type(ScalarType.Float64) - original.Frames.to_type(ScalarType.Float64)).masked_select(outside);
        double mse = diff.square().mean().item<double>();
        double mae = diff.abs().mean().item<double>();
        double psnr = mse <= 0 ? Options.PsnrCap : Math.Min(Options.PsnrCap, 10 * Math.Log10(1.0 / mse));
        return (psnr, mae, fraction);
    }

    /// <summary>Paper Eq. 7: mean cosine similarity of the CLIP embeddings of consecutive frames.</summary>
    internal static double ClipConsistency(IClipImageEncoder encoder, Tensor frames)
    {
        using var scope = NewDisposeScope();
        int n = (int)frames.shape[0];
        if (n < 2) return 1;
        var emb = encoder.EncodeImages(frames).to_type(ScalarType.Float32);
        if (emb.dim() != 2 || emb.shape[0] != n)
            throw new DragVideoException($"the CLIP image encoder returned [{string.Join(", ", emb.shape)}] for {n} frames; expected [{n}, D].");
        var unit = F.normalize(emb, p: 2, dim: 1);
        var cos = (unit[TensorIndex.Slice(0, n - 1)] * unit[TensorIndex.Slice(1, n)]).sum(1);
        return cos.mean().item<float>();
    }
}
