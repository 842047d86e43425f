using System.Diagnostics;
using DragVideo.Tracking;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Fast;

/// <summary>
/// A fast, weight-free drag editor: it carries the request to every frame with an <see cref="IInstructionPropagator"/>
/// (paper §3.3) and then deforms each frame with a moving-least-squares warp (Schaefer et al. 2006) that brings the
/// handle's content to the target and keeps everything outside the editable mask untouched. It is temporally
/// consistent because each frame follows its own propagated instruction. It is not generative: content is moved and
/// stretched, never invented (the area a dragged object leaves is filled by the stretched surroundings). Use it when no
/// model weights are available, in CI, or as an instant preview before a diffusion run.
/// </summary>
public sealed class FastWarpDragEditor : IVideoDragEditor
{
    private readonly IInstructionPropagator _propagator;
    private readonly IMaskSegmenter _segmenter;
    private readonly IOpticalFlow _flow;

    /// <summary>
    /// Creates the editor with the default weight-free propagator (<see cref="DragInstructionPropagator"/>: optical-flow
    /// point tracks, propagated masks grown by 10 px and stretched along the drag) and <paramref name="options"/>.
    /// </summary>
    /// <param name="options">warp options (null = defaults); validated here.</param>
    public FastWarpDragEditor(FastWarpOptions? options = null)
        : this(new DragInstructionPropagator(), options)
    {
    }

    /// <summary>
    /// Creates the editor; move mode segments the body with <see cref="RegionGrowingSegmenter"/> whose pixel-sized
    /// settings are scaled to the frame (tuned at 256 px) and aligns the fill with <see cref="PyramidalOpticalFlow"/>.
    /// </summary>
    /// <param name="propagator">carries key-frame instructions to every frame.</param>
    /// <param name="options">warp options (null = defaults); validated here.</param>
    /// <exception cref="ArgumentOutOfRangeException">an option is invalid.</exception>
    public FastWarpDragEditor(IInstructionPropagator propagator, FastWarpOptions? options = null)
        : this(propagator, options, new FrameScaledSegmenter(), new PyramidalOpticalFlow())
    {
    }

    /// <summary>Creates the editor with the components of the move mode (<see cref="FastDeformationMode.Move"/>).</summary>
    /// <param name="propagator">carries key-frame instructions to every frame.</param>
    /// <param name="options">warp options (null = defaults); validated here.</param>
    /// <param name="bodySegmenter">finds the moving body inside the mask on key frames (positive clicks on the handles,
    /// negative clicks just outside the mask).</param>
    /// <param name="backgroundFlow">optical flow used to align other frames' background before filling from them.</param>
    /// <exception cref="ArgumentOutOfRangeException">an option is invalid.</exception>
    public FastWarpDragEditor(IInstructionPropagator propagator, FastWarpOptions? options, IMaskSegmenter bodySegmenter,
        IOpticalFlow backgroundFlow)
    {
        ArgumentNullException.ThrowIfNull(propagator);
        ArgumentNullException.ThrowIfNull(bodySegmenter);
        ArgumentNullException.ThrowIfNull(backgroundFlow);
        _propagator = propagator;
        _segmenter = bodySegmenter;
        _flow = backgroundFlow;
        Options = options ?? FastWarpOptions.Default;
        Options.Validate();
    }

    /// <summary>The backend name reported in <see cref="EditResult.Backend"/>.</summary>
    public const string BackendName = "fast-warp";

    /// <inheritdoc />
    public string Name => BackendName;

    /// <summary>The options in use.</summary>
    public FastWarpOptions Options { get; }

    /// <summary>The propagator that carries key-frame instructions to every frame (used by full-resolution edits).</summary>
    internal IInstructionPropagator Propagator => _propagator;

    /// <inheritdoc />
    public Task<EditResult> EditAsync(VideoClip clip, DragRequest request, IProgress<EditProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(request);
        DragRequestValidator.Validate(request, clip.FrameCount, clip.Width, clip.Height);
        if (Options.Mode == FastDeformationMode.Move) ValidateForMove(request);
        return Task.Run(() => Edit(clip, request, progress, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Warps one frame by an already propagated instruction (for an instant preview of a single frame).
    /// </summary>
    /// <param name="frame">float <c>[3, H, W]</c> in [0, 1]; not modified.</param>
    /// <param name="instruction">the frame's instruction; its mask must be <c>W × H</c>.</param>
    /// <returns>a new float tensor <c>[3, H, W]</c> on the frame's device; the caller owns it.</returns>
    /// <exception cref="ArgumentException">the frame is not <c>[3, H, W]</c> or the mask size differs.</exception>
    public Tensor WarpFrame(Tensor frame, FrameInstruction instruction)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(instruction);
        if (frame.dim() != 3 || frame.shape[0] != 3)
            throw new ArgumentException($"frame must be [3, H, W]; got [{string.Join(", ", frame.shape)}].", nameof(frame));
        if (instruction.Mask.Width != frame.shape[2] || instruction.Mask.Height != frame.shape[1])
            throw new ArgumentException($"the mask is {instruction.Mask.Width}×{instruction.Mask.Height}; the frame is {frame.shape[2]}×{frame.shape[1]}.", nameof(instruction));
        TorchRuntime.EnsureLoaded();
        return DragWarpField.WarpFrame(frame, instruction, Options);
    }

    /// <summary>Move mode moves what the handles sit on: every handle must lie inside its key frame's mask.</summary>
    private static void ValidateForMove(DragRequest request)
    {
        for (int k = 0; k < request.Keyframes.Count; k++)
        {
            var kf = request.Keyframes[k];
            if (kf.Mask is null) continue;
            for (int i = 0; i < kf.Pairs.Count; i++)
            {
                var p = kf.Pairs[i].Handle;
                int x = (int)MathF.Round(p.X), y = (int)MathF.Round(p.Y);
                if (x < 0 || y < 0 || x >= kf.Mask.Width || y >= kf.Mask.Height || !kf.Mask[x, y])
                    throw new InvalidDragRequestException($"Keyframes[{k}].Mask",
                        $"move mode moves the content under the handles, so the mask must contain them; pair {i}'s handle ({p.X:0.#}, {p.Y:0.#}) on frame {kf.FrameIndex} is outside the mask (draw the mask around the object and its destination, or use stretch mode).");
            }
        }
    }

    private EditResult Edit(VideoClip clip, DragRequest request, IProgress<EditProgress>? progress, CancellationToken ct)
    {
        TorchRuntime.EnsureLoaded();
        var timings = new Dictionary<EditStage, TimeSpan>();
        var watch = Stopwatch.StartNew();
        progress?.Report(new EditProgress(EditStage.Preparing, 1, 1, "request validated; propagating the drag to every frame"));
        var instruction = _propagator.Propagate(clip, request, ct);
        if (instruction.Frames.Count != clip.FrameCount)
            throw new DragVideoException($"the propagator returned {instruction.Frames.Count} frame instructions for a clip of {clip.FrameCount} frames.");
        foreach (var fi in instruction.Frames)
        {
            if (fi.Mask.Width != clip.Width || fi.Mask.Height != clip.Height)
                throw new DragVideoException($"the propagator returned a {fi.Mask.Width}×{fi.Mask.Height} mask for frame {fi.FrameIndex} of a {clip.Width}×{clip.Height} clip.");
        }
        timings[EditStage.Propagation] = watch.Elapsed;
        progress?.Report(new EditProgress(EditStage.Propagation, 1, 1, $"propagated to {instruction.Frames.Count} frames",
            MeanHandleDistance: instruction.MeanDragLength));

        watch.Restart();
        var notes = new List<string>();
        if (Options.Mode == FastDeformationMode.Move)
        {
            var outcome = RegionMove.Edit(clip, request, instruction, Options, _segmenter, _flow, progress, ct);
            if (outcome.Frames is not null)
            {
                timings[EditStage.Warping] = watch.Elapsed;
                progress?.Report(new EditProgress(EditStage.Completed, 1, 1, "done"));
                return new EditResult(new VideoClip(outcome.Frames, clip.Fps), instruction, timings, BackendName) { Notes = outcome.Notes };
            }
            notes.Add($"move mode fell back to stretch mode: {outcome.FallbackReason}.");
            notes.AddRange(outcome.Notes);
        }
        int frames = clip.FrameCount;
        var warped = new Tensor[frames];
        try
        {
            for (int f = 0; f < frames; f++)
            {
                ct.ThrowIfCancellationRequested();
                using (var scope = NewDisposeScope())
                {
                    var frame = clip.Frames[f];
                    warped[f] = DragWarpField.WarpFrame(frame, instruction.Frames[f], Options).MoveToOuterDisposeScope();
                }
                progress?.Report(new EditProgress(EditStage.Warping, f + 1, frames, $"frame {f + 1}/{frames}"));
            }
            var stacked = torch.stack(warped, 0);
            timings[EditStage.Warping] = watch.Elapsed;
            progress?.Report(new EditProgress(EditStage.Completed, 1, 1, "done"));
            return new EditResult(new VideoClip(stacked, clip.Fps), instruction, timings, BackendName) { Notes = notes };
        }
        finally
        {
            foreach (var t in warped) t?.Dispose();
        }
    }
}
