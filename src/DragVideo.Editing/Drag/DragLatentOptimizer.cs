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
    int FrameHeight);

/// <summary>Progress of one drag-optimisation step.</summary>
/// <param name="Step">1-based step.</param>
/// <param name="TotalSteps">K.</param>
/// <param name="Loss">the objective at this step (before the update), or null when the step only found every handle arrived.</param>
/// <param name="MeanHandleDistance">mean handle→target distance in frame pixels, with the handles tracked at this step.</param>
/// <param name="Handles">per frame, the tracked handles in frame pixels.</param>
public sealed record DragOptimizationStep(int Step, int TotalSteps, double? Loss, double MeanHandleDistance,
    IReadOnlyList<IReadOnlyList<DragPoint>> Handles);

/// <summary>Outcome of <see cref="DragLatentOptimizer.Optimize"/>. Dispose to free <see cref="Latent"/>.</summary>
/// <param name="Latent">the optimised latent ẑ_t, <c>[1, C, F, h, w]</c> (caller owns).</param>
/// <param name="Handles">per frame, the last tracked handles in frame pixels.</param>
/// <param name="Losses">objective value of every update step.</param>
/// <param name="MeanHandleDistances">mean handle→target distance (frame pixels) at every step, the first being the initial one.</param>
/// <param name="UpdatesApplied">number of gradient updates applied (≤ K).</param>
/// <param name="Arrived">true when the loop stopped because every handle reached its target.</param>
public sealed record DragOptimizationResult(
    Tensor Latent,
    IReadOnlyList<IReadOnlyList<DragPoint>> Handles,
    IReadOnlyList<double> Losses,
    IReadOnlyList<double> MeanHandleDistances,
    int UpdatesApplied,
    bool Arrived) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Latent.Dispose();
}

/// <summary>
/// Video-level drag-style latent optimisation (DragVideo §3.4, Eqs. 2–5). The whole clip's latent
/// <c>[1, C, F, h, w]</c> goes through the video U-Net at once, so frames are coupled by the motion modules. Each step:
/// features F(ẑ_t) from the chosen up blocks (the pass stops after the last of them when no DDIM step is needed),
/// embedded point tracking (Eq. 5, from the second step on), early stop when every handle has arrived, the objective
/// (default <see cref="MotionSupervisionLoss"/>, Eq. 3), and one Adam step on the latent (Eq. 4). The features of the
/// original latent are the first step's features (computed once).
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
    /// <param name="objective">the loss; default <see cref="MotionSupervisionLoss"/> with the options' r, λ and arrival distance.</param>
    /// <param name="options">settings (paper defaults).</param>
    /// <param name="logger">optional logger.</param>
    public DragLatentOptimizer(IVideoDiffusionBackbone backbone, INoiseScheduler scheduler, IDragObjective? objective = null,
        DragOptimizationOptions? options = null, ILogger? logger = null)
    {
        _backbone = backbone ?? throw new ArgumentNullException(nameof(backbone));
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        _options = options ?? new DragOptimizationOptions();
        _options.Validate();
        _objective = objective ?? new MotionSupervisionLoss(_options.PatchRadius, _options.MaskWeight, _options.ArrivalDistance);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Runs up to K steps and returns the optimised latent.</summary>
    /// <exception cref="OperationCanceledException">cancelled (checked before each pass and before each update).</exception>
    public DragOptimizationResult Optimize(DragOptimizationInput input, IProgress<DragOptimizationStep>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var latent0 = input.Latent;
        if (latent0.dim() != 5 || latent0.shape[0] != 1)
            throw new ArgumentException($"the latent must be [1, C, F, h, w]; got [{string.Join(", ", latent0.shape)}].", nameof(input));
        int frames = (int)latent0.shape[2], latentH = (int)latent0.shape[3], latentW = (int)latent0.shape[4];
        if (input.Pairs.Count != frames) throw new ArgumentException($"pairs for {input.Pairs.Count} frames; the latent has {frames}.", nameof(input));

        var blocks = _options.ResolveFeatureBlocks(_backbone.UpBlockCount);
        var (fw, fh) = DragFeatures.Size(input.FrameWidth, input.FrameHeight, _options.FeatureScale);
        var targets = input.Pairs.Select(f => (IReadOnlyList<DragPoint>)f.Select(p => DragFeatures.ToFeature(p.Target, input.FrameWidth, input.FrameHeight, fw, fh)).ToList()).ToList();
        var initialHandles = input.Pairs.Select(f => (IReadOnlyList<DragPoint>)f.Select(p => DragFeatures.ToFeature(p.Handle, input.FrameWidth, input.FrameHeight, fw, fh)).ToList()).ToList();
        var tracker = new FeatureHandleTracker(_options.TrackingRadius);

        using var outer = NewDisposeScope();
        var latentMask = DragFeatures.LatentMask(input.Masks, frames, latentW, latentH, latent0.device);
        bool hasFixedRegion = input.Masks is not null && latentMask.min().item<float>() < 0.5f;
        bool needPrev = _objective.NeedsPreviousLatents && hasFixedRegion;
        var timestep = tensor(new[] { input.Timestep }, dtype: ScalarType.Int64, device: latent0.device);

        using var frozen = FrozenParameters.Freeze(_backbone);
        // Half-precision policy: the optimised latent and Adam's state are float32 whatever the backbone computes in.
        PrecisionPolicy.RequireFloating(latent0, "input.Latent");
        var z = new Parameter(PrecisionPolicy.IsHalf(latent0.dtype) ? latent0.detach().to_type(ScalarType.Float32) : latent0.detach().clone(), requires_grad: true);
        var scaler = LossScaler.For(ScalarType.Float32);
        using var optimizer = optim.Adam(new[] { z }, lr: _options.LearningRate);
        IReadOnlyList<Tensor>? references = null;
        Tensor? originalPrev = null;
        IReadOnlyList<IReadOnlyList<DragPoint>> handles = initialHandles;
        var losses = new List<double>();
        var distances = new List<double>();
        int updates = 0;
        bool arrived = false;
        using var enabled = enable_grad();
        for (int step = 0; step < _options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            using var output = _backbone.Forward(z, timestep, input.TextEmbedding, blocks, stopAfterLastFeature: !needPrev);
            var features = DragFeatures.FromOutput(output, blocks, fw, fh);
            if (PrecisionPolicy.IsHalf(features.dtype))
            {
                // The loss (and tracking) run in float32; a float16 backbone's backward is loss-scaled.
                if (step == 0) scaler = LossScaler.For(features.dtype);
                features = features.to_type(ScalarType.Float32);
            }
            Tensor? editedPrev = null;
            if (needPrev)
            {
                var sample = output.Sample ?? throw new InvalidOperationException("the backbone returned no noise prediction for a full pass.");
                editedPrev = _scheduler.Step(sample, input.Timestep, z).PrevSample;
            }
            if (step == 0)
            {
                // ẑ_t = z_t at the first step, so its features and DDIM step are the original's (Eq. 3's sg(z_{t−1}), Eq. 5's F(z_t)).
                references = tracker.ReferenceFeatures(features.detach(), initialHandles);
                foreach (var r in references) r.MoveToOuterDisposeScope();
                originalPrev = editedPrev?.detach().clone().MoveToOuterDisposeScope();
            }
            else
            {
                handles = tracker.Track(features, references!, handles);
            }
            double meanDistance = MeanDistance(handles, targets, input.FrameWidth, input.FrameHeight, fw, fh);
            distances.Add(meanDistance);
            if (AllArrived(handles, targets, _options.ArrivalDistance))
            {
                arrived = true;
                _logger.LogDebug("drag: every handle arrived at step {Step}", step + 1);
                progress?.Report(new DragOptimizationStep(step + 1, _options.Steps, null, meanDistance, ToImage(handles, input, fw, fh)));
                break;
            }
            var pairs = handles.Select((f, i) => (IReadOnlyList<DragPair>)f.Select((h, j) => new DragPair(h, targets[i][j])).ToList()).ToList();
            var loss = _objective.ComputeLoss(new DragObjectiveInput(features, pairs, editedPrev, originalPrev, latentMask));
            double value = loss.item<float>();
            cancellationToken.ThrowIfCancellationRequested();
            optimizer.zero_grad();
            scaler.Backward(loss);
            scaler.Step(optimizer, new[] { z });
            updates++;
            losses.Add(value);
            _logger.LogDebug("drag step {Step}/{Total}: loss {Loss:G5}, mean handle→target {Distance:F2} px", step + 1, _options.Steps, value, meanDistance);
            progress?.Report(new DragOptimizationStep(step + 1, _options.Steps, value, meanDistance, ToImage(handles, input, fw, fh)));
        }
        var result = z.detach().clone().MoveToOuterDisposeScope();
        z.Dispose();
        return new DragOptimizationResult(result, ToImage(handles, input, fw, fh), losses, distances, updates, arrived);
    }

    private static IReadOnlyList<IReadOnlyList<DragPoint>> ToImage(IReadOnlyList<IReadOnlyList<DragPoint>> handles, DragOptimizationInput input, int fw, int fh) =>
        handles.Select(f => (IReadOnlyList<DragPoint>)f.Select(p => DragFeatures.ToImage(p, input.FrameWidth, input.FrameHeight, fw, fh)).ToList()).ToList();

    private static bool AllArrived(IReadOnlyList<IReadOnlyList<DragPoint>> handles, IReadOnlyList<IReadOnlyList<DragPoint>> targets, double threshold)
    {
        for (int i = 0; i < handles.Count; i++)
            for (int j = 0; j < handles[i].Count; j++)
                if (handles[i][j].DistanceTo(targets[i][j]) >= threshold) return false;
        return true;
    }

    private static double MeanDistance(IReadOnlyList<IReadOnlyList<DragPoint>> handles, IReadOnlyList<IReadOnlyList<DragPoint>> targets,
        int width, int height, int fw, int fh)
    {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < handles.Count; i++)
            for (int j = 0; j < handles[i].Count; j++)
            {
                var h = DragFeatures.ToImage(handles[i][j], width, height, fw, fh);
                var t = DragFeatures.ToImage(targets[i][j], width, height, fw, fh);
                sum += h.DistanceTo(t);
                n++;
            }
        return n == 0 ? 0 : sum / n;
    }
}
