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
public sealed class SdkStudioEngine : IStudioEngine
{
    private readonly IMaskSegmenter _segmenter = new RegionGrowingSegmenter();
    private readonly IOpticalFlow _flow = new PyramidalOpticalFlow();
    private readonly Func<EditParamsDto, IVideoDragEditor> _editorFactory;

    private SdkStudioEngine(string backendName, Func<EditParamsDto, IVideoDragEditor> editorFactory)
    {
        BackendName = backendName;
        _editorFactory = editorFactory;
    }

    /// <summary>Loads the native runtime and picks the backend from the start-up options.</summary>
    /// <exception cref="NativeRuntimeException">TorchSharp's native libraries cannot be loaded.</exception>
    public static SdkStudioEngine Create(StudioOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        TorchRuntime.EnsureLoaded();
        return new SdkStudioEngine(FastWarpDragEditor.BackendName,
            p => new FastWarpDragEditor(new DragInstructionPropagator(Propagation(p.Radius))));
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
        return _editorFactory(parameters).EditAsync(clip, request, progress, cancellationToken);
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
