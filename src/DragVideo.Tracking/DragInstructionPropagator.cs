using DragVideo.Tracking.Imaging;

namespace DragVideo.Tracking;

/// <summary>
/// Carries a <see cref="DragRequest"/> to every frame (paper §3.3): points with an <see cref="IPointPropagator"/>,
/// then masks with an <see cref="IMaskPropagator"/> (which grows them by the radius and stretches them along the
/// propagated drags). The parameterless constructor uses <see cref="FlowPointPropagator"/> and
/// <see cref="FlowMaskPropagator"/> with default <see cref="PropagationOptions"/> (radius 10, as in the paper).
/// </summary>
public sealed class DragInstructionPropagator : IInstructionPropagator
{
    private readonly IPointPropagator _points;
    private readonly IMaskPropagator _masks;

    /// <summary>Creates the propagator with the weight-free defaults.</summary>
    public DragInstructionPropagator() : this(new PropagationOptions()) { }

    /// <summary>Creates the weight-free propagators with <paramref name="options"/>.</summary>
    public DragInstructionPropagator(PropagationOptions options)
        : this(new FlowPointPropagator(options), new FlowMaskPropagator(options), options) { }

    /// <summary>Composes the given point and mask propagators (for example a learned tracker and segmenter).</summary>
    public DragInstructionPropagator(IPointPropagator points, IMaskPropagator masks, PropagationOptions? options = null)
    {
        _points = points ?? throw new ArgumentNullException(nameof(points));
        _masks = masks ?? throw new ArgumentNullException(nameof(masks));
        Options = (options ?? new PropagationOptions()).Validate();
    }

    /// <summary>The settings in use.</summary>
    public PropagationOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidDragRequestException">the clip has fewer than two frames, the request does not fit the
    /// clip, or the key frames have different pair counts (the offending field is named).</exception>
    public PropagatedInstruction Propagate(VideoClip clip, DragRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(request);
        // Validated once here; the built-in point and mask propagators then skip their own (public-entry) checks.
        var keys = PropagationInput.Validate(clip, request.Keyframes);
        TorchRuntime.EnsureLoaded();
        using var threads = TorchThreadLimit.Use(Options.TorchThreads);
        var points = _points is FlowPointPropagator flow
            ? flow.PropagateValidated(clip, keys, cancellationToken)
            : _points.Propagate(clip, request.Keyframes, cancellationToken);
        if (points.Pairs.Count != clip.FrameCount)
            throw new DragVideoException($"the point propagator returned {points.Pairs.Count} frames for a clip of {clip.FrameCount}.");
        var masks = _masks is FlowMaskPropagator flowMasks
            ? flowMasks.PropagateValidated(clip, keys, points, cancellationToken)
            : _masks.Propagate(clip, request.Keyframes, points, cancellationToken);
        if (masks.Count != clip.FrameCount)
            throw new DragVideoException($"the mask propagator returned {masks.Count} masks for a clip of {clip.FrameCount}.");
        var frames = new FrameInstruction[clip.FrameCount];
        for (int f = 0; f < frames.Length; f++)
            frames[f] = new FrameInstruction(f, points.Pairs[f], masks[f], points.Visible[f], points.Confidence[f]);
        return new PropagatedInstruction(frames);
    }
}
