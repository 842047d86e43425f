using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Precision;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Editing.Caching;
using DragVideo.Editing.Fast;
using DragVideo.Diffusion.Pipeline;
using DragVideo.Tracking;
using Microsoft.Extensions.Logging;

namespace DragVideo.Editing;

/// <summary>
/// Fluent construction of a <see cref="VideoDragEditor"/>:
/// <code>
/// using var editor = new DragVideoBuilder()
///     .UseModelPath("models/sd15", "models/animatediff-v3")
///     .Configure(o => o.Drag = o.Drag with { Steps = 20 })
///     .UseLogger(loggerFactory)
///     .Build();
/// </code>
/// A model gives every diffusion part; <see cref="UseBackbone"/>, <see cref="UseScheduler"/>,
/// <see cref="UseLatentCodec"/> and <see cref="UsePromptEncoder"/> replace single parts (or supply them all without a
/// model). Propagation defaults to the weight-free <see cref="DragInstructionPropagator"/>.
/// <para>This builder is the one composition root: <see cref="BuildEditor"/> selects the backend (the diffusion editor
/// when a model, model path or backbone is configured, else the fast weight-free <see cref="FastWarpDragEditor"/>), and
/// the CLI, the Studio and <c>services.AddDragVideo()</c> all build their editor through it.</para>
/// </summary>
public sealed class DragVideoBuilder
{
    private readonly List<Action<DragVideoOptions>> _configure = new();
    private DragVideoOptions? _options;
    private StableDiffusionModel? _model;
    private (string Model, string? Motion)? _modelPath;
    private IVideoDiffusionBackbone? _backbone;
    private DdimScheduler? _scheduler;
    private ILatentCodec? _codec;
    private IPromptEncoder? _promptEncoder;
    private IPointPropagator? _points;
    private IMaskPropagator? _masks;
    private PropagationOptions? _propagationOptions;
    private IInstructionPropagator? _propagator;
    private IDragObjective? _objective;
    private ILoggerFactory? _loggerFactory;
    private EditCache? _cache;
    private FastWarpOptions? _fastOptions;

    /// <summary>Starts from these options; the editor keeps a validated snapshot taken when it is built.</summary>
    public DragVideoBuilder UseOptions(DragVideoOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        return this;
    }

    /// <summary>Adjusts the options (applied in order at <see cref="Build"/>).</summary>
    public DragVideoBuilder Configure(Action<DragVideoOptions> configure)
    {
        _configure.Add(configure ?? throw new ArgumentNullException(nameof(configure)));
        return this;
    }

    /// <summary>Uses a loaded Stable Diffusion + AnimateDiff model (the caller keeps ownership).</summary>
    public DragVideoBuilder UseModel(StableDiffusionModel model)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        return this;
    }

    /// <summary>Loads the model at <see cref="Build"/> (the editor then owns and disposes it).</summary>
    /// <param name="modelPath">SD1.5 diffusers folder or single-file checkpoint.</param>
    /// <param name="motionModulePath">AnimateDiff motion adapter folder or checkpoint (null: <c>motion_adapter/</c> in the folder).</param>
    public DragVideoBuilder UseModelPath(string modelPath, string? motionModulePath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        _modelPath = (modelPath, motionModulePath);
        return this;
    }

    /// <summary>Uses a custom video U-Net instead of the model's.</summary>
    public DragVideoBuilder UseBackbone(IVideoDiffusionBackbone backbone)
    {
        _backbone = backbone ?? throw new ArgumentNullException(nameof(backbone));
        return this;
    }

    /// <summary>Uses this DDIM scheduler instead of the model's.</summary>
    public DragVideoBuilder UseScheduler(DdimScheduler scheduler)
    {
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        return this;
    }

    /// <summary>Uses this frames ↔ latents codec instead of the model's VAE.</summary>
    public DragVideoBuilder UseLatentCodec(ILatentCodec codec)
    {
        _codec = codec ?? throw new ArgumentNullException(nameof(codec));
        return this;
    }

    /// <summary>Uses this prompt encoder instead of the model's CLIP.</summary>
    public DragVideoBuilder UsePromptEncoder(IPromptEncoder promptEncoder)
    {
        _promptEncoder = promptEncoder ?? throw new ArgumentNullException(nameof(promptEncoder));
        return this;
    }

    /// <summary>Carries handle/target points with this propagator (the mask propagator stays the default unless set).</summary>
    public DragVideoBuilder UsePointPropagator(IPointPropagator points)
    {
        _points = points ?? throw new ArgumentNullException(nameof(points));
        return this;
    }

    /// <summary>Carries masks with this propagator (the point propagator stays the default unless set).</summary>
    public DragVideoBuilder UseMaskPropagator(IMaskPropagator masks)
    {
        _masks = masks ?? throw new ArgumentNullException(nameof(masks));
        return this;
    }

    /// <summary>Settings of the default propagators (overrides <see cref="DragVideoOptions.Propagation"/>).</summary>
    public DragVideoBuilder UsePropagationOptions(PropagationOptions options)
    {
        _propagationOptions = options ?? throw new ArgumentNullException(nameof(options));
        return this;
    }

    /// <summary>Replaces the whole instruction propagation (overrides point/mask propagators).</summary>
    public DragVideoBuilder UseInstructionPropagator(IInstructionPropagator propagator)
    {
        _propagator = propagator ?? throw new ArgumentNullException(nameof(propagator));
        return this;
    }

    /// <summary>Optimises this objective instead of the paper's motion supervision (Eq. 3).</summary>
    public DragVideoBuilder UseObjective(IDragObjective objective)
    {
        _objective = objective ?? throw new ArgumentNullException(nameof(objective));
        return this;
    }

    /// <summary>Logs through this factory.</summary>
    public DragVideoBuilder UseLogger(ILoggerFactory? loggerFactory)
    {
        _loggerFactory = loggerFactory;
        return this;
    }

    /// <summary>Shares this cache (e.g. between editors); by default each editor builds one from the options.</summary>
    public DragVideoBuilder UseCache(EditCache cache)
    {
        _cache = cache ?? throw new ArgumentNullException(nameof(cache));
        return this;
    }

    /// <summary>Settings of the fast weight-free backend (used by <see cref="BuildEditor"/> when no model is configured).</summary>
    public DragVideoBuilder UseFastWarpOptions(FastWarpOptions options)
    {
        _fastOptions = options ?? throw new ArgumentNullException(nameof(options));
        return this;
    }

    /// <summary>True when <see cref="BuildEditor"/> builds the diffusion editor (a model, model path or backbone is set).</summary>
    public bool UsesDiffusion => _model is not null || _modelPath is not null || _backbone is not null || ResolveOptions().ModelPath is not null;

    /// <summary>
    /// Builds the editor for the configured backend: the diffusion <see cref="VideoDragEditor"/> (see <see cref="Build"/>)
    /// when <see cref="UsesDiffusion"/>, otherwise the fast weight-free <see cref="FastWarpDragEditor"/> with the
    /// configured propagation. The caller disposes the result when it is <see cref="IDisposable"/>.
    /// </summary>
    /// <exception cref="ArgumentException">invalid options.</exception>
    /// <exception cref="ModelLoadException">the model cannot be loaded.</exception>
    public IVideoDragEditor BuildEditor()
    {
        if (UsesDiffusion) return Build();
        var options = ResolveOptions();
        options.Validate();
        return new FastWarpDragEditor(_propagator ?? BuildPropagator(_propagationOptions ?? options.Propagation), _fastOptions);
    }

    private DragVideoOptions ResolveOptions()
    {
        var options = (_options ?? new DragVideoOptions()).Snapshot();
        foreach (var c in _configure) c(options);
        return options;
    }

    /// <summary>Validates the options (once), loads the model when a path was given, and creates the diffusion editor.</summary>
    /// <exception cref="ArgumentException">invalid options.</exception>
    /// <exception cref="InvalidOperationException">a diffusion part is missing (no model and no replacement).</exception>
    /// <exception cref="ModelLoadException">the model cannot be loaded.</exception>
    /// <exception cref="UnsupportedConfigurationException">a memory saving the backbone lacks, or half precision on the CPU.</exception>
    public VideoDragEditor Build()
    {
        var options = ResolveOptions();
        if (_modelPath is null && _model is null && options.ModelPath is not null)
            _modelPath = (options.ModelPath, options.MotionModulePath);
        options.Validate();

        TorchRuntime.EnsureLoaded();
        StableDiffusionModel? owned = null;
        var model = _model;
        if (model is null && _modelPath is { } p)
        {
            // Refuse a dtype the device cannot compute in before reading gigabytes of weights.
            PrecisionPolicy.EnsureDeviceSupports(options.ModelLoading.DType, options.ModelLoading.Device, options.Memory.AllowHalfPrecisionOnCpu, "ModelLoading.DType");
            var load = options.ModelLoading with { MotionAdapterPath = p.Motion ?? options.ModelLoading.MotionAdapterPath };
            _loggerFactory?.CreateLogger<DragVideoBuilder>().LogInformation(
                "Loading the diffusion model from {Model} (motion module {Motion}); this reads gigabytes", p.Model, load.MotionAdapterPath ?? "in the model folder");
            owned = StableDiffusionLoader.Load(p.Model, load);
            model = owned;
        }
        try
        {
            var backbone = _backbone ?? model?.Unet ?? throw Missing("video U-Net (UseModel, UseModelPath or UseBackbone)");
            var scheduler = _scheduler ?? model?.Scheduler ?? throw Missing("DDIM scheduler (UseModel or UseScheduler)");
            var codec = _codec ?? (model is null ? null : new VaeLatentCodec(model.Vae)) ?? throw Missing("latent codec (UseModel or UseLatentCodec)");
            options.Memory.ApplyTo(backbone);
            if (!options.Memory.ApplyHostSettings())
                _loggerFactory?.CreateLogger<DragVideoBuilder>().LogWarning(
                    "Memory.ReturnFreedHostMemory: this platform's C library cannot lower the mmap threshold (glibc on Linux can); freed host memory stays with malloc");
            var prompt = _promptEncoder ?? (model is null ? null : new ClipPromptEncoder(model.TextEncoder, model.Tokenizer))
                ?? throw Missing("prompt encoder (UseModel or UsePromptEncoder)");
            string identity = CacheKey.Combine(CacheKey.OfComponent(backbone), CacheKey.OfComponent(codec), CacheKey.OfComponent(prompt));
            var propagator = _propagator ?? BuildPropagator(_propagationOptions ?? options.Propagation);
            var editor = new VideoDragEditor(new DiffusionComponents(backbone, scheduler, codec, prompt, identity), propagator, options,
                _objective, _cache, _loggerFactory, validated: true);
            if (owned is not null) editor.Own(owned);
            return editor;
        }
        catch
        {
            owned?.Dispose();
            throw;
        }
    }

    private IInstructionPropagator BuildPropagator(PropagationOptions settings)
    {
        if (_points is null && _masks is null) return new DragInstructionPropagator(settings);
        return new DragInstructionPropagator(_points ?? new FlowPointPropagator(settings), _masks ?? new FlowMaskPropagator(settings), settings);
    }

    private static InvalidOperationException Missing(string what) => new($"DragVideoBuilder: no {what} was configured.");
}
