namespace DragVideo;

/// <summary>The drag instruction for every frame of a clip, as produced by an <see cref="IInstructionPropagator"/>.</summary>
/// <param name="Frames">one entry per frame, in frame order.</param>
public sealed record PropagatedInstruction(IReadOnlyList<FrameInstruction> Frames)
{
    /// <summary>Mean handle→target distance over all frames and pairs, in pixels (0 when there are no pairs).</summary>
    public double MeanDragLength
    {
        get
        {
            double sum = 0; int n = 0;
            foreach (var f in Frames) foreach (var p in f.Pairs) { sum += p.Length; n++; }
            return n == 0 ? 0 : sum / n;
        }
    }
}
