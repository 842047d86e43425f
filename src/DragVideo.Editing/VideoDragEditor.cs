using System.Diagnostics;
using System.Globalization;
using DragVideo.Diffusion.Lora;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Editing.Caching;
using DragVideo.Editing.Drag;
using DragVideo.Editing.Sampling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Editing;

/// <summary>
/// The paper's drag-style video editor (DragVideo, Fig. 3): propagate the key-frame instruction to every frame (§3.3),
/// encode the clip, train a sample-specific LoRA (§3.2, Eq. 1), DDIM-invert to <c>strength × steps</c> (§3.4), optimise
/// the latent with motion supervision and point tracking (Eqs. 2–5), denoise original and edited latents together with
/// Mutual Self-Attention (§3.5, Eq. 6) and decode frame by frame. LoRA weights and inverted latents are cached per
/// (clip, model, settings). Edits on one instance run one at a time (they share the U-Net's attention processors).
/// </summary>
public sealed class VideoDragEditor : IVideoDragEditor, IDisposable
{
    private readonly DiffusionComponents _components;
    private readonly IInstructionPropagator _propagator;
    private readonly DragVideoOptions _options;
    private readonly IDragObjective _objective;
    private readonly EditCache? _cache;
    private readonly bool _ownsCache;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<IDisposable> _owned = new();

    /// <summary>Creates the editor (prefer <see cref="DragVideoBuilder"/> or <c>services.AddDragVideo</c>).</summary>
    /// <param name="components">U-Net, scheduler, VAE codec, prompt encoder.</param>
    /// <param name="propagator">carries key-frame instructions to every frame.</param>
    /// <param name="options">settings (validated here).</param>
    /// <param name="objective">drag objective; default <see cref="MotionSupervisionLoss"/> from <see cref="DragVideoOptions.Drag"/>.</param>
    /// <param name="cache">shared cache; default: one built from <see cref="DragVideoOptions.Cache"/>.</param>
    /// <param name="loggerFactory">logging.</param>
    /// <exception cref="ArgumentException">invalid options.</exception>
    public VideoDragEditor(DiffusionComponents components, IInstructionPropagator propagator, DragVideoOptions? options = null,
        IDragObjective? objective = null, EditCache? cache = null, ILoggerFactory? loggerFactory = null)
        : this(components, propagator, Validated((options ?? new DragVideoOptions()).Snapshot()), objective, cache, loggerFactory, validated: true)
    {
    }

    /// <summary>The builder's constructor: <paramref name="options"/> is a snapshot it has already validated.</summary>
    internal VideoDragEditor(DiffusionComponents components, IInstructionPropagator propagator, DragVideoOptions options,
        IDragObjective? objective, EditCache? cache, ILoggerFactory? loggerFactory, bool validated)
    {
        if (!validated) throw new ArgumentException("options must be validated by the caller.", nameof(validated));
        _components = components ?? throw new ArgumentNullException(nameof(components));
        _propagator = propagator ?? throw new ArgumentNullException(nameof(propagator));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        var drag = _options.Drag;
        _objective = objective ?? MotionSupervisionLoss.FromOptions(drag);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<VideoDragEditor>();
        if (cache is null && (_options.Cache.Enabled || _options.Cache.Directory is not null))
        {
            cache = new EditCache(_options.Cache, _loggerFactory.CreateLogger<EditCache>());
            _ownsCache = true;
        }
        _cache = cache;
    }

    /// <inheritdoc />
    public string Name => "diffusion";

    /// <summary>The settings in use: a copy, so changing it does not change this editor (its settings are fixed when built).</summary>
    public DragVideoOptions Options => _options.Snapshot();

    /// <summary>The diffusion components in use.</summary>
    public DiffusionComponents Components => _components;

    /// <summary>The cache (null when caching is off).</summary>
    public EditCache? Cache => _cache;

    /// <inheritdoc />
    public async Task<EditResult> EditAsync(VideoClip clip, DragRequest request, IProgress<EditProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(request);
        DragRequestValidator.Validate(request, clip.FrameCount, clip.Width, clip.Height);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Edit(clip, request, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private EditResult Edit(VideoClip clip, DragRequest request, IProgress<EditProgress>? progress, CancellationToken ct)
    {
        TorchRuntime.EnsureLoaded();
        var timings = new Dictionary<EditStage, TimeSpan>();
        var watch = Stopwatch.StartNew();
        void Done(EditStage stage)
        {
            timings[stage] = timings.GetValueOrDefault(stage) + watch.Elapsed;
            watch.Restart();
        }

        // Preparing
        progress?.Report(new EditProgress(EditStage.Preparing, 1, 1, "validating the request"));
        int factor = _components.Codec.DownsampleFactor;
        if (clip.FrameCount > _options.MaxFrames)
            throw new InvalidDragRequestException("clip", $"the clip has {clip.FrameCount} frames; at most {_options.MaxFrames} can be edited at once.");
        if (clip.Width % factor != 0 || clip.Height % factor != 0)
            throw new InvalidDragRequestException("clip", $"frames are {clip.Width}×{clip.Height}; width and height must be multiples of {factor}.");
        var backbone = _components.Backbone;
        bool motionBefore = backbone.MotionModulesEnabled;
        var scheduleBefore = _components.Scheduler.Timesteps.ToList();
        var pendingWrites = new List<(string Key, Dictionary<string, Tensor> Tensors, Dictionary<string, string> Meta)>();
        LoraNetwork? lora = null;
        Done(EditStage.Preparing);
        try
        {
            backbone.MotionModulesEnabled = _options.MotionModulesEnabled;

            // Propagation (§3.3)
            progress?.Report(new EditProgress(EditStage.Propagation, 0, 1, "propagating the key-frame instruction"));
            var instruction = _propagator.Propagate(clip, request, ct);
            if (instruction.Frames.Count != clip.FrameCount)
                throw new DragVideoException($"the propagator returned {instruction.Frames.Count} frame instructions for a clip of {clip.FrameCount} frames.");
            progress?.Report(new EditProgress(EditStage.Propagation, 1, 1, $"{instruction.Frames.Count} frames, mean drag {instruction.MeanDragLength:F1} px"));
            Done(EditStage.Propagation);
            ct.ThrowIfCancellationRequested();

            using var scope = NewDisposeScope();
            var text = _components.PromptEncoder.Encode(request.Prompt, ct);
            string clipKey = CacheKey.OfTensor(clip.Frames);
            string baseKey = CacheKey.Combine("dragvideo-v1", clipKey, _components.ModelIdentity, request.Prompt,
                _options.MotionModulesEnabled ? "video" : "per-frame");

            Tensor? latents = null;
            Tensor EncodedLatents()
            {
                if (latents is not null) return latents;
                progress?.Report(new EditProgress(EditStage.Encoding, 0, 1, "VAE encoding"));
                var sw = Stopwatch.StartNew();
                latents = _components.Codec.Encode(clip.Frames, ct);
                timings[EditStage.Encoding] = timings.GetValueOrDefault(EditStage.Encoding) + sw.Elapsed;
                progress?.Report(new EditProgress(EditStage.Encoding, 1, 1, $"latents [{string.Join(", ", latents.shape)}]"));
                return latents;
            }

            // Sample-specific LoRA (§3.2)
            string loraKey = _options.TrainLora ? CacheKey.Combine(baseKey, "lora", CacheKey.OfOptions(_options.Lora)) : CacheKey.Combine(baseKey, "no-lora");
            if (_options.TrainLora)
            {
                lora = LoraNetwork.Create(backbone, _options.Lora.Adapters);
                if (_cache is not null && _cache.TryGet(loraKey, out var cached, out _))
                {
                    using (new DisposableDictionary(cached)) lora.LoadStateDict(cached, "edit cache");
                    lora.Attach();
                    progress?.Report(new EditProgress(EditStage.LoraTraining, _options.Lora.Steps, _options.Lora.Steps, "LoRA weights from the cache"));
                }
                else
                {
                    var z = EncodedLatents();
                    watch.Restart();
                    var trainer = new LoraTrainer(_loggerFactory.CreateLogger<LoraTrainer>());
                    var stepProgress = progress is null ? null : new InlineProgress<LoraTrainingStep>(s =>
                        progress.Report(new EditProgress(EditStage.LoraTraining, s.Step, s.TotalSteps, $"t = {s.Timestep}", Loss: s.Loss)));
                    var trained = trainer.Train(backbone, _components.Scheduler, lora, z, text, _options.Lora, stepProgress, ct);
                    _logger.LogInformation("LoRA: {Steps} steps, loss {First:G4} → {Last:G4}", trained.Losses.Count,
                        trained.Losses.FirstOrDefault(), trained.Losses.LastOrDefault());
                    if (_cache is not null) pendingWrites.Add((loraKey, lora.StateDict(), new Dictionary<string, string> { ["kind"] = "lora" }));
                }
                foreach (var p in lora.Parameters()) p.requires_grad_(false);
                lora.Scale = _options.LoraScale;
            }
            Done(EditStage.LoraTraining);

            // DDIM inversion (§3.4)
            var inversionOptions = new DdimInversionOptions { InferenceSteps = _options.Inversion.InferenceSteps, Strength = _options.Inversion.Strength };
            int inverted = inversionOptions.ResolveActualSteps();
            string inversionKey = CacheKey.Combine(loraKey, "inversion", _options.LoraScale.ToString("R", CultureInfo.InvariantCulture),
                CacheKey.OfOptions(_options.Inversion));
            _components.Scheduler.SetTimesteps(_options.Inversion.InferenceSteps);
            int startIndex = _options.Inversion.InferenceSteps - inverted;
            long timestep = _components.Scheduler.Timesteps[startIndex];
            Tensor zt;
            if (_cache is not null && _cache.TryGet(inversionKey, out var cachedLatent, out _) && cachedLatent.TryGetValue("latent", out var hit))
            {
                zt = hit.to(text.device).clone();
                foreach (var t in cachedLatent.Values) t.Dispose();
                progress?.Report(new EditProgress(EditStage.Inversion, inverted, inverted, "inverted latent from the cache"));
            }
            else
            {
                var z = EncodedLatents();
                watch.Restart();
                using var result = new DdimInversion(_components.Scheduler).Invert(backbone, z, text, inversionOptions, progress, ct);
                zt = result.Latents.clone();
                if (result.Timestep != timestep)
                    throw new InvalidOperationException($"inversion ended at t = {result.Timestep}; expected {timestep}.");
                if (_cache is not null)
                    pendingWrites.Add((inversionKey, new Dictionary<string, Tensor> { ["latent"] = zt.detach().to(CPU).clone() },
                        new Dictionary<string, string> { ["kind"] = "inverted-latent", ["timestep"] = timestep.ToString(CultureInfo.InvariantCulture) }));
            }
            _components.Scheduler.SetTimesteps(_options.Inversion.InferenceSteps);
            Done(EditStage.Inversion);
            ct.ThrowIfCancellationRequested();

            // Drag optimisation (§3.4, Eqs. 2–5)
            var optimizer = new DragLatentOptimizer(backbone, _components.Scheduler, _objective, _options.Drag, _loggerFactory.CreateLogger<DragLatentOptimizer>());
            var dragInput = new DragOptimizationInput(zt, timestep, text,
                instruction.Frames.Select(f => f.Pairs).ToList(),
                instruction.Frames.Select(f => f.Mask).ToList(),
                clip.Width, clip.Height);
            var dragProgress = progress is null ? null : new InlineProgress<DragOptimizationStep>(s =>
                progress.Report(new EditProgress(EditStage.DragOptimization, s.Step, s.TotalSteps,
                    s.Loss is null ? "every handle reached its target" : null, s.Loss, s.MeanHandleDistance)));
            using var dragged = optimizer.Optimize(dragInput, dragProgress, ct);
            _logger.LogInformation("drag: {Updates} updates, mean handle→target {First:F2} → {Last:F2} px", dragged.UpdatesApplied,
                dragged.MeanHandleDistances.FirstOrDefault(), dragged.MeanHandleDistances.LastOrDefault());
            Done(EditStage.DragOptimization);

            // Mutual Self-Attention denoising (§3.5, Eq. 6)
            var sampler = new MutualSelfAttentionSampler(backbone, _components.Scheduler, _options.MutualSelfAttention,
                _loggerFactory.CreateLogger<MutualSelfAttentionSampler>());
            var denoiseProgress = progress is null ? null : new InlineProgress<DenoisingStep>(s =>
                progress.Report(new EditProgress(EditStage.Denoising, s.Step, s.TotalSteps, $"t = {s.Timestep}")));
            var unconditional = _options.MutualSelfAttention.GuidanceScale != 1.0 ? _components.PromptEncoder.Encode(string.Empty, ct) : null;
            using var denoised = sampler.Sample(zt, dragged.Latent, startIndex, text, denoiseProgress, ct, unconditional);
            Done(EditStage.Denoising);

            // Decoding
            progress?.Report(new EditProgress(EditStage.Decoding, 0, 1, "VAE decoding frame by frame"));
            var frames = _components.Codec.Decode(denoised.Edited, ct);
            frames.DetachFromDisposeScope();
            var edited = new VideoClip(frames, clip.Fps);
            progress?.Report(new EditProgress(EditStage.Decoding, 1, 1));
            Done(EditStage.Decoding);

            // Only a finished edit writes to the cache.
            if (_cache is not null)
                foreach (var (key, tensors, meta) in pendingWrites) _cache.Put(key, tensors, meta);
            progress?.Report(new EditProgress(EditStage.Completed, 1, 1));
            return new EditResult(edited, instruction, timings, Name);
        }
        finally
        {
            foreach (var (_, tensors, _) in pendingWrites) foreach (var t in tensors.Values) t.Dispose();
            lora?.Dispose();
            backbone.MotionModulesEnabled = motionBefore;
            // The scheduler is shared with the caller: put back the schedule it had (when it had one).
            if (scheduleBefore.Count > 0 && !_components.Scheduler.Timesteps.SequenceEqual(scheduleBefore))
                _components.Scheduler.SetTimesteps(scheduleBefore.Count);
        }
    }

    private static DragVideoOptions Validated(DragVideoOptions options)
    {
        options.Validate();
        return options;
    }

    /// <summary>Makes the editor dispose <paramref name="resource"/> (e.g. a model it loaded) when it is disposed.</summary>
    internal void Own(IDisposable resource) => _owned.Add(resource);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var r in _owned) r.Dispose();
        _owned.Clear();
        if (_ownsCache) _cache?.Dispose();
        _gate.Dispose();
    }

    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private sealed class DisposableDictionary(Dictionary<string, Tensor> tensors) : IDisposable
    {
        public void Dispose()
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
