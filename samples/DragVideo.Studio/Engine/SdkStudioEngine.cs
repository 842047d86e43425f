using DragVideo.Diffusion.Loading;
using DragVideo.Editing;
using DragVideo.Editing.Caching;
using DragVideo.Editing.Drag;
using DragVideo.Editing.Fast;
using DragVideo.Editing.Metrics;
using DragVideo.Media;
using DragVideo.Studio.Api;
using DragVideo.Studio.Clips;
using DragVideo.Studio.Hosting;
using DragVideo.Tracking;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Studio.Engine;

/// <summary>
/// The Studio's engine over the SDK: DragVideo.Media for video I/O and overlays, DragVideo.Tracking for masks and
/// propagation, DragVideo.Editing for the editors and the metrics. The editor is the fast weight-free backend unless the
/// app was started with <c>--model</c> and <c>--motion</c>.
/// </summary>
public sealed class SdkStudioEngine : IStudioEngine, IDisposable
{
    private readonly IMaskSegmenter _segmenter = new RegionGrowingSegmenter();
    private readonly IOpticalFlow _flow = new PyramidalOpticalFlow();
    private readonly Func<EditParamsDto, IVideoDragEditor> _editorFactory;
    private readonly IDisposable[] _owned;

    private SdkStudioEngine(string backendName, Func<EditParamsDto, IVideoDragEditor> editorFactory, params IDisposable[] owned)
    {
        BackendName = backendName;
        _editorFactory = editorFactory;
        _owned = owned;
    }

    /// <summary>
    /// Loads the native runtime and picks the backend: with <c>--model</c>/<c>--motion</c> the weights are loaded once
    /// here and every run builds a <see cref="VideoDragEditor"/> over them with that run's settings (sharing one
    /// <see cref="EditCache"/>, so a second run on the same clip reuses its LoRA and inverted latents); otherwise the
    /// fast weight-free <see cref="FastWarpDragEditor"/>.
    /// </summary>
    /// <exception cref="NativeRuntimeException">TorchSharp's native libraries cannot be loaded.</exception>
    /// <exception cref="ModelLoadException">the model or motion adapter cannot be loaded.</exception>
    public static SdkStudioEngine Create(StudioOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        TorchRuntime.EnsureLoaded();
        if (!options.UsesDiffusion)
        {
            // Host decision, made once at start-up: the fast backend is all small tensor operations, which run fastest
            // on one LibTorch thread. The SDK itself never changes this process-wide setting.
            torch.set_num_threads(1);
            return new SdkStudioEngine(FastWarpDragEditor.BackendName,
                p => new DragVideoBuilder().UsePropagationOptions(Propagation(p.Radius)).UseFastWarpOptions(FastOptions(p)).BuildEditor());
        }

        var model = StableDiffusionLoader.Load(options.ModelPath!, new ModelLoadOptions { MotionAdapterPath = options.MotionPath, TokenizerPath = options.TokenizerPath });
        var cache = new EditCache(new EditCacheOptions(), loggers.CreateLogger<EditCache>());
        return new SdkStudioEngine("diffusion", p => new DragVideoBuilder()
            .UseModel(model)
            .UseOptions(DiffusionOptions(p))
            .UsePropagationOptions(Propagation(p.Radius))
            .UseCache(cache)
            .UseLogger(loggers)
            .BuildEditor(), cache, model);
    }

    /// <summary>The page's settings as the fast backend's options (the deformation mode).</summary>
    public static FastWarpOptions FastOptions(EditParamsDto p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return FastWarpOptions.Default with { Mode = p.Deform == "move" ? FastDeformationMode.Move : FastDeformationMode.Stretch };
    }

    /// <summary>The page's settings as the diffusion editor's options (paper Fig. 12 names → SDK records).</summary>
    public static DragVideoOptions DiffusionOptions(EditParamsDto p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var o = new DragVideoOptions();
        o.Lora = o.Lora with
        {
            Steps = p.LoraSteps,
            LearningRate = p.LoraLr,
            BatchFrames = p.LoraBatch,
            Adapters = o.Lora.Adapters with { Rank = p.LoraRank },
        };
        o.TrainLora = p.LoraSteps > 0;
        o.Inversion = o.Inversion with { Strength = p.InversionStrength };
        o.Drag = o.Drag with { Steps = p.PixelSteps, LearningRate = p.LatentLr, MaskWeight = p.Lambda };
        return o;
    }

    /// <inheritdoc />
    public string BackendName { get; }

    /// <inheritdoc />
    public VideoClip Load(string path, ClipLoadSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new VideoReadOptions
        {
            Kps = settings.Kps,
            MaxFrames = settings.MaxFrames,
            Width = settings.Size,
            Height = settings.Size,
            Square = true,
            ResizeMode = ResizeMode.CenterCrop,
        };
        return VideoReader.Read(path, options, cancellationToken);
    }

    /// <inheritdoc />
    public void WriteMp4(VideoClip clip, string path) => VideoWriter.WriteMp4(clip, path);

    /// <inheritdoc />
    public BinaryMask Segment(VideoClip clip, int frame, IReadOnlyList<DragPoint> positive, IReadOnlyList<DragPoint> negative, int radius)
    {
        ArgumentNullException.ThrowIfNull(clip);
        using var scope = NewDisposeScope();
        var mask = _segmenter.Segment(clip.Frames[frame], positive, negative);
        return radius > 0 ? MaskOperations.Dilate(mask, radius) : mask;
    }

    /// <inheritdoc />
    public PropagatedInstruction Propagate(VideoClip clip, DragRequest request, int radius, CancellationToken cancellationToken) =>
        new DragInstructionPropagator(Propagation(radius)).Propagate(clip, request, cancellationToken);

    /// <inheritdoc />
    public VideoClip RenderOverlay(VideoClip clip, PropagatedInstruction instruction) => InstructionOverlay.Render(clip, instruction);

    /// <inheritdoc />
    public Task<EditResult> EditAsync(VideoClip clip, DragRequest request, EditParamsDto parameters, IProgress<EditProgress> progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return EditWithAsync(_editorFactory(parameters), clip, request, progress, cancellationToken);
    }

    private static async Task<EditResult> EditWithAsync(IVideoDragEditor editor, VideoClip clip, DragRequest request,
        IProgress<EditProgress> progress, CancellationToken cancellationToken)
    {
        try
        {
            return await editor.EditAsync(clip, request, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            (editor as IDisposable)?.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Metrics(VideoClip original, VideoClip edited, PropagatedInstruction instruction,
        CancellationToken cancellationToken)
    {
        var r = new EditMetrics(_flow).Measure(original, edited, instruction, cancellationToken);
        var m = new Dictionary<string, double>
        {
            [MetricNames.DragDistance] = r.MeanDragDistance,
            ["dragDistanceBefore"] = r.MeanInitialDragDistance,
            ["temporalFlow"] = r.TemporalMaxFlow,
            ["warpError"] = r.WarpError,
        };
        if (r.OriginalTemporalMaxFlow is { } of) m["temporalFlowOriginal"] = of;
        if (r.PsnrOutsideMask is { } psnr) m["psnrOutsideMask"] = psnr;
        if (r.MaeOutsideMask is { } mae) m["maeOutsideMask"] = mae;
        return m;
    }

    /// <inheritdoc />
    public VideoClip SideBySide(VideoClip original, VideoClip edited)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(edited);
        using var scope = NewDisposeScope();
        var both = torch.cat(new[] { original.Frames, edited.Frames }, dim: 3).contiguous();
        return new VideoClip(both.MoveToOuterDisposeScope(), original.Fps);
    }

    private static PropagationOptions Propagation(int radius) => new() { Radius = radius };
}
