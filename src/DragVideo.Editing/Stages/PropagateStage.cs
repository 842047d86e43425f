using DragVideo.Editing.Drag;

namespace DragVideo.Editing.Stages;

/// <summary>The propagated instruction: as the propagator gave it (frame pixels, reported back) and in feature space (what the drag uses).</summary>
/// <param name="Instruction">per frame, pairs and masks in frame pixels.</param>
/// <param name="Feature">the same instruction converted once to feature pixels.</param>
internal sealed record PropagationOutput(PropagatedInstruction Instruction, FeatureInstruction Feature);

/// <summary>Propagation (DragVideo §3.3): carries the key-frame instruction to every frame, then converts it to feature space once.</summary>
internal sealed class PropagateStage(IInstructionPropagator propagator, DragOptimizationOptions drag)
{
    /// <exception cref="DragVideoException">the propagator returned the wrong number of frames.</exception>
    /// <exception cref="InvalidDragRequestException">a propagated point is not finite or lies outside the frame.</exception>
    public PropagationOutput Run(EditState state)
    {
        var clip = state.Clip;
        state.Report(EditStage.Propagation, 0, 1, "propagating the key-frame instruction");
        var instruction = propagator.Propagate(clip, state.Request, state.Cancellation);
        if (instruction.Frames.Count != clip.FrameCount)
            throw new DragVideoException($"the propagator returned {instruction.Frames.Count} frame instructions for a clip of {clip.FrameCount} frames.");
        var feature = FeatureInstruction.From(instruction, FeatureSpace.For(clip.Width, clip.Height, drag));
        state.Report(EditStage.Propagation, 1, 1, $"{instruction.Frames.Count} frames, mean drag {instruction.MeanDragLength:F1} px");
        state.Lap(EditStage.Propagation);
        state.Cancellation.ThrowIfCancellationRequested();
        return new PropagationOutput(instruction, feature);
    }
}
