using DragVideo.Editing.Caching;
using DragVideo.Editing.Drag;
using DragVideo.Editing.Stages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Editing;

/// <summary>
/// The paper's drag-style video editor (DragVideo, Fig. 3): propagate the key-frame instruction to every frame (§3.3),
/// encode the clip, train a sample-specific LoRA (§3.2, Eq. 1), DDIM-invert to <c>strength × steps</c> (§3.4), optimise
/// the latent with motion supervision and point tracking (Eqs. 2–5), denoise original and edited latents together with
/// Mutual Self-Attention (§3.5, Eq. 6) and decode frame by frame. Each step is a stage (<c>Stages/</c>) over one per-edit
/// state, on one immutable DDIM schedule; the shared scheduler is never changed. LoRA weights and inverted latents are
/// cached per (clip, model, settings). Edits on one instance run one at a time (they share the U-Net's attention processors).
/// </summary>
public sealed class VideoDragEditor : IVideoDragEditor, IDisposable
{
    private readonly DiffusionComponents _components;
    private readonly IInstructionPropagator _propagator;
    private readonly DragVideoOptions _options;
    private readonly IDragObjective _objective;
    private readonly EditCache? _cache;
    private readonly bool _ownsCache;
    private readonly EditStages _stages;
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
        loggerFactory ??= NullLoggerFactory.Instance;
        var schedule = EditSchedule.From(_components.Scheduler, _options.Inversion); // throws before anything is owned
        if (cache is null && (_options.Cache.Enabled || _options.Cache.Directory is not null))
        {
            cache = new EditCache(_options.Cache, loggerFactory.CreateLogger<EditCache>());
            _ownsCache = true;
        }
        _cache = cache;
        _stages = new EditStages(_components, _propagator, _options, schedule, _objective, _cache, loggerFactory);
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
        using var state = new EditState(clip, request, progress, ct);
        using var motion = _stages.Prepare.Run(state);
        var propagated = _stages.Propagate.Run(state);
        using var scope = NewDisposeScope();
        var encoded = _stages.Encode.Run(state);
        var keys = EditCacheKeys.For(clip, request.Prompt, _components.ModelIdentity, _options);
        using var lora = _stages.Lora.Run(state, new LoraStageInput(encoded, keys.Lora));
        var inverted = _stages.Invert.Run(state, new InvertStageInput(encoded, _stages.Schedule, keys.Inversion));
        using var dragged = _stages.Drag.Run(state, new DragStageInput(inverted, _stages.Schedule, encoded.Text, propagated.Feature));
        using var denoised = _stages.Denoise.Run(state, new DenoiseStageInput(inverted, dragged.Latent, _stages.Schedule, encoded.Text));
        var edited = _stages.Decode.Run(state, denoised.Edited);
        state.Writes.CommitTo(_cache); // only a finished edit writes to the cache
        state.Report(EditStage.Completed, 1, 1);
        return new EditResult(edited, propagated.Instruction, state.Timings.ToDictionary(), Name);
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
}
