using DragVideo.Diffusion.Lora;
using DragVideo.Diffusion.Precision;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Editing.Drag;

/// <summary>What the drag latent optimiser works on.</summary>
/// <param name="Latent">the inverted latent z_t, float <c>[1, C, F, h, w]</c> (not modified).</param>
/// <param name="Timestep">the timestep t of <paramref name="Latent"/> (one of the scheduler's inference timesteps).</param>
/// <param name="TextEmbedding">prompt embedding <c>[1, 77, D]</c>.</param>
/// <param name="Pairs">per frame, the handle→target pairs in frame pixels.</param>
/// <param name="Masks">per frame, the editable region (frame-sized); null = everything editable (no mask term).</param>
/// <param name="FrameWidth">frame width W in pixels.</param>
/// <param name="FrameHeight">frame height H in pixels.</param>
public sealed record DragOptimizationInput(
    Tensor Latent,
    long Timestep,
    Tensor TextEmbedding,
    IReadOnlyList<IReadOnlyList<DragPair>> Pairs,
    IReadOnlyList<BinaryMask>? Masks,
    int FrameWidth,
    int FrameHeight)
{
    /// <summary>
    /// When true, <see cref="DragOptimizationResult.LatentHistory"/> keeps a copy of the whole clip's latent after every
    /// update (for inspection and parity checks; one latent of memory per step). Default false.
    /// </summary>
    public bool RecordLatents { get; init; }

    /// <summary>The editor's instruction already in feature pixels (then <see cref="Pairs"/> is not read).</summary>
    internal FeatureInstruction? Feature { get; init; }
}

/// <summary>Progress of one drag-optimisation step.</summary>
/// <param name="Step">1-based step, counted over all chunks (see <see cref="DragOptimizationOptions.DragBatchFrames"/>).</param>
/// <param name="TotalSteps">K times the number of chunks.</param>
/// <param name="Loss">the objective at this step (before the update), or null when the step only found every handle arrived.</param>
/// <param name="MeanHandleDistance">mean handle→target distance over the whole clip in frame pixels, with the handles tracked so far.</param>
/// <param name="Handles">per frame, the tracked handles in frame pixels.</param>
public sealed record DragOptimizationStep(int Step, int TotalSteps, double? Loss, double MeanHandleDistance,
    IReadOnlyList<IReadOnlyList<DragPoint>> Handles);

/// <summary>Outcome of <see cref="DragLatentOptimizer.Optimize"/>. Dispose to free <see cref="Latent"/> and <see cref="LatentHistory"/>.</summary>
/// <param name="Latent">the optimised latent ẑ_t, <c>[1, C, F, h, w]</c> (caller owns).</param>
/// <param name="Handles">per frame, the last tracked handles in frame pixels.</param>
/// <param name="Losses">objective value of every update step (with several chunks: the frame-weighted mean over the chunks that ran that step).</param>
/// <param name="MeanHandleDistances">mean handle→target distance (frame pixels) at every step, the first being the initial one.</param>
/// <param name="UpdatesApplied">number of gradient updates applied (≤ K per chunk, summed over chunks).</param>
/// <param name="Arrived">true when every chunk stopped because all its handles reached their targets.</param>
public sealed record DragOptimizationResult(
    Tensor Latent,
    IReadOnlyList<IReadOnlyList<DragPoint>> Handles,
    IReadOnlyList<double> Losses,
    IReadOnlyList<double> MeanHandleDistances,
    int UpdatesApplied,
    bool Arrived) : IDisposable
{
    /// <summary>
    /// Per update step k, per frame, the handles in <em>feature</em> pixels that step k's loss used (after step k's
    /// tracking). A chunk that stopped earlier repeats its last handles.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<IReadOnlyList<DragPoint>>> FeatureHandleHistory { get; init; } =
        Array.Empty<IReadOnlyList<IReadOnlyList<DragPoint>>>();

    /// <summary>
    /// Per update step k, the whole clip's latent after the k-th update <c>[1, C, F, h, w]</c> (owned by this result);
    /// empty unless <see cref="DragOptimizationInput.RecordLatents"/> was set.
    /// </summary>
    public IReadOnlyList<Tensor> LatentHistory { get; init; } = Array.Empty<Tensor>();

    /// <inheritdoc />
    public void Dispose()
    {
        Latent.Dispose();
        foreach (var t in LatentHistory) t.Dispose();
    }
}

/// <summary>
/// The objective's value and its gradient with respect to the latent at one point (see
/// <see cref="DragLatentOptimizer.Evaluate"/>). Dispose to free the tensors.
/// </summary>
/// <param name="Value">the objective value (the scalar the optimiser would backpropagate).</param>
/// <param name="Gradient">∂L/∂ẑ_t, <c>[1, C, F, h, w]</c>, float32.</param>
/// <param name="Features">the features F(ẑ_t) the objective saw, <c>[F, C', H', W']</c>, detached.</param>
/// <param name="Pairs">per frame, the pairs in feature pixels the objective saw.</param>
public sealed record DragObjectiveEvaluation(double Value, Tensor Gradient, Tensor Features, IReadOnlyList<IReadOnlyList<DragPair>> Pairs)
    : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Gradient.Dispose();
        Features.Dispose();
    }
}

/// <summary>
/// Video-level drag-style latent optimisation (DragVideo §3.4, Eqs. 2–5). The latent <c>[1, C, F, h, w]</c> goes through
/// the video U-Net whole (or in chunks of <see cref="DragOptimizationOptions.DragBatchFrames"/> frames), so frames are
/// coupled by the motion modules. Each step: features F(ẑ_t) from the chosen up blocks (the pass stops after the last of
/// them when no DDIM step is needed), embedded point tracking (Eq. 5, from the second step on), early stop when every
/// handle has arrived (before or after tracking, <see cref="DragOptimizationOptions.EarlyStop"/>), the objective (default
/// <see cref="MotionSupervisionLoss"/>, Eq. 3), and one Adam step on the latent (Eq. 4). The features of the original
/// latent are the first step's features (computed once). Drag pairs are converted to feature pixels once, at the start.
/// </summary>
public sealed class DragLatentOptimizer
{
    private readonly IVideoDiffusionBackbone _backbone;
    private readonly INoiseScheduler _scheduler;
    private readonly IDragObjective _objective;
    private readonly DragOptimizationOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates an optimiser.</summary>
    /// <param name="backbone">the (LoRA-adapted) video U-Net.</param>
    /// <param name="scheduler">a DDIM scheduler with its inference timesteps set (for the one-step ẑ_{t−1}).</param>
    /// <param name="objective">the loss; default <see cref="MotionSupervisionLoss.FromOptions"/>.</param>
    /// <param name="options">settings (paper defaults).</param>
    /// <param name="logger">optional logger.</param>
    public DragLatentOptimizer(IVideoDiffusionBackbone backbone, INoiseScheduler scheduler, IDragObjective? objective = null,
        DragOptimizationOptions? options = null, ILogger? logger = null)
    {
        _backbone = backbone ?? throw new ArgumentNullException(nameof(backbone));
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        _options = options ?? new DragOptimizationOptions();
        _options.Validate();
        _objective = objective ?? MotionSupervisionLoss.FromOptions(_options);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The editor's entry: <paramref name="instruction"/> is already in feature pixels (converted once).</summary>
    internal DragOptimizationResult OptimizeFeatures(FeatureInstruction instruction, Tensor latent, long timestep, Tensor textEmbedding,
        IProgress<DragOptimizationStep>? progress, CancellationToken cancellationToken) =>
        Optimize(new DragOptimizationInput(latent, timestep, textEmbedding, Array.Empty<IReadOnlyList<DragPair>>(), instruction.Masks,
            instruction.Space.FrameWidth, instruction.Space.FrameHeight) { Feature = instruction }, progress, cancellationToken);

    /// <summary>Runs up to K steps (per chunk) and returns the optimised latent.</summary>
    /// <exception cref="OperationCanceledException">cancelled (checked before each pass and before each update).</exception>
    public DragOptimizationResult Optimize(DragOptimizationInput input, IProgress<DragOptimizationStep>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var plan = Plan(input);
        int frames = plan.Frames;
        int chunkSize = _options.DragBatchFrames == 0 ? frames : Math.Min(_options.DragBatchFrames, frames);
        int chunkCount = (frames + chunkSize - 1) / chunkSize;
        var run = new RunState(plan, chunkCount * _options.Steps, progress);

        using var outer = NewDisposeScope();
        var latentMask = DragFeatures.LatentMask(input.Masks, frames, plan.LatentWidth, plan.LatentHeight, input.Latent.device);
        bool hasFixedRegion = input.Masks is not null && latentMask.min().item<float>() < 0.5f;
        bool needPrev = _objective.NeedsPreviousLatents && hasFixedRegion;
        var timestep = tensor(new[] { input.Timestep }, dtype: ScalarType.Int64, device: input.Latent.device);
        using var frozen = FrozenParameters.Freeze(_backbone);

        var chunks = new List<ChunkResult>(chunkCount);
        for (int start = 0; start < frames; start += chunkSize)
        {
            int count = Math.Min(chunkSize, frames - start);
            chunks.Add(RunChunk(input, plan, start, count, latentMask.narrow(0, start, count), timestep, needPrev, run, cancellationToken));
        }

        int steps = chunks.Max(c => c.Losses.Count);
        var latent = cat(chunks.Select(c => c.Latent).ToList(), 2).MoveToOuterDisposeScope();
        var history = new List<Tensor>();
        var handleHistory = new List<IReadOnlyList<IReadOnlyList<DragPoint>>>(steps);
        var losses = new List<double>(steps);
        for (int k = 0; k < steps; k++)
        {
            handleHistory.Add(chunks.SelectMany(c => c.HandleHistory.Count == 0 ? c.InitialHandles : c.HandleHistory[Math.Min(k, c.HandleHistory.Count - 1)]).ToList());
            var ran = chunks.Where(c => k < c.Losses.Count).ToList();
            losses.Add(ran.Sum(c => c.Losses[k] * c.Frames) / ran.Sum(c => c.Frames));
            if (input.RecordLatents)
                history.Add(cat(chunks.Select(c => c.LatentHistory.Count == 0 ? c.Start : c.LatentHistory[Math.Min(k, c.LatentHistory.Count - 1)]).ToList(), 2)
                    .MoveToOuterDisposeScope());
        }
        foreach (var t in chunks.SelectMany(c => c.LatentHistory)) t.Dispose();
        return new DragOptimizationResult(latent, plan.ToImage(run.Handles), losses, run.Distances, chunks.Sum(c => c.Updates), chunks.All(c => c.Arrived))
        {
            FeatureHandleHistory = handleHistory,
            LatentHistory = history,
        };
    }

    /// <summary>
    /// The objective's value at <paramref name="latent"/> (default: <see cref="DragOptimizationInput.Latent"/>) and its
    /// gradient with respect to that latent, for the whole clip in one pass: what one optimiser step backpropagates. The
    /// reference quantities (z_{t−1} for the mask term) come from <see cref="DragOptimizationInput.Latent"/>. The pairs are
    /// the input's, mapped to feature pixels, unless <paramref name="featureHandles"/> gives the handles (feature pixels,
    /// per frame, one per pair), e.g. those a tracker found. For authors of a custom <see cref="IDragObjective"/>: check a
    /// gradient, plot a loss landscape, or compare objectives on the same features.
    /// </summary>
    /// <param name="input">the drag problem.</param>
    /// <param name="latent">where to evaluate, <c>[1, C, F, h, w]</c> like the input latent (not modified).</param>
    /// <param name="featureHandles">optional current handles in feature pixels.</param>
    public DragObjectiveEvaluation Evaluate(DragOptimizationInput input, Tensor? latent = null,
        IReadOnlyList<IReadOnlyList<DragPoint>>? featureHandles = null)
    {
        var plan = Plan(input);
        latent ??= input.Latent;
        if (!latent.shape.SequenceEqual(input.Latent.shape))
            throw new ArgumentException($"the latent must have the input latent's shape [{string.Join(", ", input.Latent.shape)}]; got [{string.Join(", ", latent.shape)}].",
                nameof(latent));
        var handles = featureHandles ?? plan.InitialHandles;
        if (handles.Count != plan.Frames || handles.Where((f, i) => f.Count != plan.Targets[i].Count).Any())
            throw new ArgumentException("featureHandles must give one handle per pair of every frame.", nameof(featureHandles));
        using var scope = NewDisposeScope();
        var latentMask = DragFeatures.LatentMask(input.Masks, plan.Frames, plan.LatentWidth, plan.LatentHeight, input.Latent.device);
        bool needPrev = _objective.NeedsPreviousLatents && input.Masks is not null && latentMask.min().item<float>() < 0.5f;
        var timestep = tensor(new[] { input.Timestep }, dtype: ScalarType.Int64, device: input.Latent.device);
        using var frozen = FrozenParameters.Freeze(_backbone);
        Tensor? originalPrev = null;
        if (needPrev)
        {
            using var noGrad = no_grad();
            originalPrev = Pass(input.Latent, timestep, input, plan, needPrev: true).Prev!.detach();
        }
        using var enabled = enable_grad();
        var z = latent.detach().clone().requires_grad_(true);
        var (features, editedPrev, _) = Pass(z, timestep, input, plan, needPrev);
        var pairs = Pairs(handles, plan.Targets);
        var loss = _objective.ComputeLoss(new DragObjectiveInput(features, pairs, editedPrev, originalPrev, latentMask));
        loss.backward();
        var gradient = z.grad is { } g ? g.clone() : zeros_like(z);
        return new DragObjectiveEvaluation(loss.item<float>(), gradient.MoveToOuterDisposeScope(), features.detach().MoveToOuterDisposeScope(), pairs);
    }

    private ChunkResult RunChunk(DragOptimizationInput input, DragPlan plan, int first, int count, Tensor latentMask, Tensor timestep,
        bool needPrev, RunState run, CancellationToken cancellationToken)
    {
        var targets = plan.Targets.Skip(first).Take(count).ToList();
        var initial = plan.InitialHandles.Skip(first).Take(count).ToList();
        var tracker = new FeatureHandleTracker(_options.TrackingRadius, _options.HandleCell);
        var start = input.Latent.narrow(2, first, count);
        // Half-precision policy: the optimised latent and Adam's state are float32 whatever the backbone computes in.
        if (PrecisionPolicy.IsHalf(start.dtype)) start = start.to_type(ScalarType.Float32);
        var z = new Parameter(start.detach().clone(), requires_grad: true);
        var scaler = LossScaler.For(ScalarType.Float32);
        using var optimizer = optim.Adam(new[] { z }, lr: _options.LearningRate);
        IReadOnlyList<Tensor>? references = null;
        Tensor? originalPrev = null;
        IReadOnlyList<IReadOnlyList<DragPoint>> handles = initial;
        var result = new ChunkResult(first, count, start, initial);
        using var enabled = enable_grad();
        for (int step = 0; step < _options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var (features, editedPrev, computeDtype) = PassFeatures(z, timestep, input, plan, needPrev);
            // A float16 backbone's backward is loss-scaled (the loss and tracking run in float32).
            if (step == 0) scaler = LossScaler.For(computeDtype);
            if (step == 0)
            {
                // ẑ_t = z_t at the first step, so its features and DDIM step are the original's (Eq. 3's sg(z_{t−1}), Eq. 5's F(z_t)).
                references = features.References(tracker, initial);
                foreach (var r in references) r.MoveToOuterDisposeScope();
                originalPrev = editedPrev?.detach().clone().MoveToOuterDisposeScope();
            }
            bool arrived = _options.EarlyStop == DragEarlyStopCheck.BeforeTracking && AllArrived(handles, targets, _options.ArrivalDistance);
            if (!arrived && step > 0) handles = features.Track(tracker, references!, handles);
            run.Update(first, handles);
            if (!arrived) arrived = _options.EarlyStop == DragEarlyStopCheck.AfterTracking && AllArrived(handles, targets, _options.ArrivalDistance);
            if (arrived)
            {
                result.Arrived = true;
                _logger.LogDebug("drag: every handle of frames {First}…{Last} arrived at step {Step}", first, first + count - 1, step + 1);
                run.Report(null);
                break;
            }
            var loss = features.Loss(_objective, Pairs(handles, targets), editedPrev, originalPrev, latentMask);
            double value = loss.item<float>();
            cancellationToken.ThrowIfCancellationRequested();
            optimizer.zero_grad();
            scaler.Backward(loss);
            scaler.Step(optimizer, new[] { z });
            result.Updates++;
            result.Losses.Add(value);
            result.HandleHistory.Add(handles);
            if (input.RecordLatents) result.LatentHistory.Add(z.detach().clone().DetachFromDisposeScope());
            _logger.LogDebug("drag step {Step}/{Total} (frames {First}…{Last}): loss {Loss:G5}", step + 1, _options.Steps, first, first + count - 1, value);
            run.Report(value);
        }
        result.Latent = z.detach().clone();
        z.Dispose();
        foreach (var r in references ?? Array.Empty<Tensor>()) r.Dispose();
        originalPrev?.Dispose();
        return result;
    }

    /// <summary>
    /// One pass for the optimiser loop: with the built-in <see cref="MotionSupervisionLoss"/> the features are read in
    /// windows around the handles (<see cref="FeatureWindows"/>: equal values, without the dense map and its gradient);
    /// a custom <see cref="IDragObjective"/> receives the dense map it is documented to get.
    /// </summary>
    private (StepFeatures Features, Tensor? Prev, ScalarType ComputeDtype) PassFeatures(Tensor z, Tensor timestep, DragOptimizationInput input,
        DragPlan plan, bool needPrev)
    {
        if (_objective is not MotionSupervisionLoss builtIn)
        {
            var (dense, densePrev, denseDtype) = Pass(z, timestep, input, plan, needPrev);
            return (StepFeatures.Dense(dense), densePrev, denseDtype);
        }
        // Not disposed here: the windows read the up-block outputs later in this step, whose dispose scope frees them.
        var output = _backbone.Forward(z, timestep, input.TextEmbedding, plan.Blocks, stopAfterLastFeature: !needPrev);
        var windows = new FeatureWindows(output, plan.Blocks, plan.FeatureWidth, plan.FeatureHeight);
        return (StepFeatures.Windowed(windows, builtIn), PrevLatent(output, z, input, needPrev), output.UpBlockFeatures[plan.Blocks[0]].dtype);
    }

    private (Tensor Features, Tensor? Prev, ScalarType ComputeDtype) Pass(Tensor z, Tensor timestep, DragOptimizationInput input, DragPlan plan, bool needPrev)
    {
        using var output = _backbone.Forward(z, timestep, input.TextEmbedding, plan.Blocks, stopAfterLastFeature: !needPrev);
        var features = DragFeatures.FromOutput(output, plan.Blocks, plan.FeatureWidth, plan.FeatureHeight);
        var computeDtype = features.dtype;
        // Half-precision policy: the loss and tracking run in float32.
        if (PrecisionPolicy.IsHalf(computeDtype)) features = features.to_type(ScalarType.Float32);
        return (features, PrevLatent(output, z, input, needPrev), computeDtype);
    }

    /// <summary>ẑ_{t−1}: one DDIM step from <paramref name="z"/> with the pass's noise prediction (Eq. 3's mask term), or null when not needed.</summary>
    private Tensor? PrevLatent(UNetOutput output, Tensor z, DragOptimizationInput input, bool needPrev)
    {
        if (!needPrev) return null;
        var sample = output.Sample ?? throw new InvalidOperationException("the backbone returned no noise prediction for a full pass.");
        return _scheduler.Step(sample, input.Timestep, z).PrevSample;
    }

    private DragPlan Plan(DragOptimizationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var latent0 = input.Latent ?? throw new ArgumentException("the latent is missing.", nameof(input));
        PrecisionPolicy.RequireFloating(latent0, "input.Latent");
        if (latent0.dim() != 5 || latent0.shape[0] != 1)
            throw new ArgumentException($"the latent must be [1, C, F, h, w]; got [{string.Join(", ", latent0.shape)}].", nameof(input));
        int frames = (int)latent0.shape[2];
        int pairFrames = input.Feature?.Pairs.Count ?? input.Pairs?.Count ?? 0;
        if (pairFrames != frames)
            throw new ArgumentException($"pairs for {pairFrames} frames; the latent has {frames}.", nameof(input));
        if (input.FrameWidth < 1 || input.FrameHeight < 1)
            throw new ArgumentException($"the frame size must be positive; got {input.FrameWidth}×{input.FrameHeight}.", nameof(input));
        var blocks = _options.ResolveFeatureBlocks(_backbone.UpBlockCount);
        var space = FeatureSpace.For(input.FrameWidth, input.FrameHeight, _options);
        if (input.Feature is { } given && given.Space != space)
            throw new ArgumentException($"the instruction was converted for {given.Space}; these options give {space}.", nameof(input));
        var pairs = input.Feature?.Pairs ?? space.ToFeaturePairs(input.Pairs!);
        var targets = pairs.Select(f => (IReadOnlyList<DragPoint>)f.Select(p => p.Target.AsFeatureDragPoint()).ToList()).ToList();
        var handles = pairs.Select(f => (IReadOnlyList<DragPoint>)f.Select(p => p.Handle.AsFeatureDragPoint()).ToList()).ToList();
        return new DragPlan(frames, (int)latent0.shape[4], (int)latent0.shape[3], blocks, space.FeatureWidth, space.FeatureHeight, targets, handles,
            space.ToPixel);
    }

    private static IReadOnlyList<IReadOnlyList<DragPair>> Pairs(IReadOnlyList<IReadOnlyList<DragPoint>> handles, IReadOnlyList<IReadOnlyList<DragPoint>> targets) =>
        handles.Select((f, i) => (IReadOnlyList<DragPair>)f.Select((h, j) => new DragPair(h, targets[i][j])).ToList()).ToList();

    private static bool AllArrived(IReadOnlyList<IReadOnlyList<DragPoint>> handles, IReadOnlyList<IReadOnlyList<DragPoint>> targets, double threshold)
    {
        for (int i = 0; i < handles.Count; i++)
            for (int j = 0; j < handles[i].Count; j++)
                if (handles[i][j].DistanceTo(targets[i][j]) >= threshold) return false;
        return true;
    }

    /// <summary>The drag problem in feature pixels, converted once.</summary>
    private sealed record DragPlan(int Frames, int LatentWidth, int LatentHeight, IReadOnlyList<int> Blocks, int FeatureWidth, int FeatureHeight,
        IReadOnlyList<IReadOnlyList<DragPoint>> Targets, IReadOnlyList<IReadOnlyList<DragPoint>> InitialHandles,
        Func<DragPoint, DragPoint> ToImagePoint)
    {
        public IReadOnlyList<IReadOnlyList<DragPoint>> ToImage(IReadOnlyList<IReadOnlyList<DragPoint>> handles) =>
            handles.Select(f => (IReadOnlyList<DragPoint>)f.Select(ToImagePoint).ToList()).ToList();

        /// <summary>Mean handle→target distance in frame pixels.</summary>
        public double MeanDistance(IReadOnlyList<IReadOnlyList<DragPoint>> handles)
        {
            double sum = 0;
            int n = 0;
            for (int i = 0; i < handles.Count; i++)
                for (int j = 0; j < handles[i].Count; j++)
                {
                    sum += ToImagePoint(handles[i][j]).DistanceTo(ToImagePoint(Targets[i][j]));
                    n++;
                }
            return n == 0 ? 0 : sum / n;
        }
    }

    /// <summary>The whole clip's current handles, the distance log and progress reporting across chunks.</summary>
    private sealed class RunState(DragPlan plan, int totalSteps, IProgress<DragOptimizationStep>? progress)
    {
        private readonly IReadOnlyList<DragPoint>[] _handles = plan.InitialHandles.ToArray();
        private int _reported;

        public IReadOnlyList<IReadOnlyList<DragPoint>> Handles => _handles;

        public List<double> Distances { get; } = new();

        public void Update(int first, IReadOnlyList<IReadOnlyList<DragPoint>> chunkHandles)
        {
            for (int i = 0; i < chunkHandles.Count; i++) _handles[first + i] = chunkHandles[i];
            Distances.Add(plan.MeanDistance(_handles));
        }

        public void Report(double? loss)
        {
            _reported++;
            progress?.Report(new DragOptimizationStep(_reported, totalSteps, loss, Distances[^1], plan.ToImage(_handles)));
        }
    }

    private sealed class ChunkResult(int first, int frames, Tensor start, IReadOnlyList<IReadOnlyList<DragPoint>> initialHandles)
    {
        public int First { get; } = first;
        public int Frames { get; } = frames;
        public Tensor Start { get; } = start;
        public IReadOnlyList<IReadOnlyList<DragPoint>> InitialHandles { get; } = initialHandles;
        public Tensor Latent { get; set; } = null!;
        public List<double> Losses { get; } = new();
        public List<IReadOnlyList<IReadOnlyList<DragPoint>>> HandleHistory { get; } = new();
        public List<Tensor> LatentHistory { get; } = new();
        public int Updates { get; set; }
        public bool Arrived { get; set; }
    }
}
