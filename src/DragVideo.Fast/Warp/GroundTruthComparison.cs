using DragVideo.Editing.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Fast;

/// <summary>One deformation mode's result against a ground-truth edited clip.</summary>
/// <param name="Mode">the mode measured.</param>
/// <param name="PsnrInMask">PSNR (dB, peak 1) between the edited and the ground-truth clip over the pixels inside each
/// frame's propagated mask; capped at 100 dB.</param>
/// <param name="MeanDragDistance">mean distance (px) between the targets and where the handles' content landed
/// (<see cref="EditMetrics"/>).</param>
/// <param name="TemporalMaxFlowRatio">paper Eq. 8 of the edit over the original's.</param>
/// <param name="Notes">the editor's notes (for example a fallback to stretch mode).</param>
public sealed record ModeScore(FastDeformationMode Mode, double PsnrInMask, double MeanDragDistance, double? TemporalMaxFlowRatio,
    IReadOnlyList<string> Notes);

/// <summary>Stretch mode and move mode on the same clip and request, scored against the ground-truth edit.</summary>
/// <param name="Stretch">stretch mode's score.</param>
/// <param name="Move">move mode's score.</param>
public sealed record FastModeComparison(ModeScore Stretch, ModeScore Move)
{
    /// <summary>How many dB move mode beats stretch mode by inside the mask (negative when it is worse).</summary>
    public double PsnrGain => Move.PsnrInMask - Stretch.PsnrInMask;
}

/// <summary>
/// Scores the fast backend's deformation modes against a ground-truth edited clip (for example a toy-world scenario
/// rendered with the object displaced): PSNR inside the editable mask, drag distance and Eq. 8 ratio per mode.
/// </summary>
public static class GroundTruthComparison
{
    /// <summary>
    /// PSNR (dB, peak 1, capped at <paramref name="cap"/>) between two clips over the pixels inside each frame's mask.
    /// </summary>
    /// <param name="edited">frames <c>[F, 3, H, W]</c> in [0, 1].</param>
    /// <param name="groundTruth">same shape.</param>
    /// <param name="masks">one <c>W × H</c> mask per frame.</param>
    /// <param name="cap">value returned when the clips agree exactly inside the masks.</param>
    /// <exception cref="ArgumentException">the clips differ in shape, a mask's size or the mask count does not match,
    /// or every mask is empty.</exception>
    public static double PsnrInMask(VideoClip edited, VideoClip groundTruth, IReadOnlyList<BinaryMask> masks, double cap = 100)
    {
        ArgumentNullException.ThrowIfNull(edited);
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(masks);
        if (!edited.Frames.shape.SequenceEqual(groundTruth.Frames.shape))
            throw new ArgumentException($"the clips differ in shape: [{string.Join(", ", edited.Frames.shape)}] vs [{string.Join(", ", groundTruth.Frames.shape)}].", nameof(groundTruth));
        if (masks.Count != edited.FrameCount)
            throw new ArgumentException($"need one mask per frame ({edited.FrameCount}); got {masks.Count}.", nameof(masks));
        for (int f = 0; f < masks.Count; f++)
            if (masks[f].Width != edited.Width || masks[f].Height != edited.Height)
                throw new ArgumentException($"mask {f} is {masks[f].Width}×{masks[f].Height}; the clip is {edited.Width}×{edited.Height}.", nameof(masks));
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var m = torch.stack(masks.Select(x => x.ToTensor()).ToArray(), 0).unsqueeze(1); // [F, 1, H, W]
        double count = m.sum().ToDouble() * 3;
        if (count == 0) throw new ArgumentException("every mask is empty.", nameof(masks));
        var diff = (edited.Frames.to(CPU).to_type(ScalarType.Float64) - groundTruth.Frames.to(CPU).to_type(ScalarType.Float64)).square() * m;
        double mse = diff.sum().ToDouble() / count;
        return mse <= 0 ? cap : Math.Min(cap, 10 * Math.Log10(1 / mse));
    }

    /// <summary>
    /// Edits <paramref name="clip"/> with <paramref name="request"/> in stretch mode and in move mode (same propagator
    /// and otherwise the same options) and scores each against <paramref name="groundTruth"/> inside the propagated masks.
    /// </summary>
    /// <param name="clip">the original clip <c>[F, 3, H, W]</c>; not modified.</param>
    /// <param name="request">the drag.</param>
    /// <param name="groundTruth">what the edit should produce, same shape as the clip.</param>
    /// <param name="propagator">carries the request to every frame (a toy world can pass its exact instruction).</param>
    /// <param name="options">base options (null = defaults); <see cref="FastWarpOptions.Mode"/> is overridden.</param>
    /// <param name="cancellationToken">cancels the edits.</param>
    public static async Task<FastModeComparison> CompareAsync(VideoClip clip, DragRequest request, VideoClip groundTruth,
        IInstructionPropagator propagator, FastWarpOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(groundTruth);
        if (!clip.Frames.shape.SequenceEqual(groundTruth.Frames.shape))
            throw new ArgumentException($"the ground truth is [{string.Join(", ", groundTruth.Frames.shape)}]; the clip is [{string.Join(", ", clip.Frames.shape)}].", nameof(groundTruth));
        var baseOptions = options ?? FastWarpOptions.Default;
        var stretch = await ScoreAsync(FastDeformationMode.Stretch).ConfigureAwait(false);
        var move = await ScoreAsync(FastDeformationMode.Move).ConfigureAwait(false);
        return new FastModeComparison(stretch, move);

        async Task<ModeScore> ScoreAsync(FastDeformationMode mode)
        {
            var editor = new FastWarpDragEditor(propagator, baseOptions with { Mode = mode });
            using var result = await editor.EditAsync(clip, request, null, cancellationToken).ConfigureAwait(false);
            var masks = result.Instruction.Frames.Select(f => f.Mask).ToArray();
            double psnr = PsnrInMask(result.EditedClip, groundTruth, masks);
            var report = new EditMetrics().Measure(clip, result.EditedClip, result.Instruction, cancellationToken);
            return new ModeScore(mode, psnr, report.MeanDragDistance, report.TemporalMaxFlowRatio, result.Notes);
        }
    }
}
