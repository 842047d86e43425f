namespace DragVideo;

/// <summary>The result of a drag edit. Dispose it to free the edited clip's tensor.</summary>
/// <param name="EditedClip">the edited clip, same frame count and size as the input.</param>
/// <param name="Instruction">the per-frame instruction the edit followed.</param>
/// <param name="StageTimings">wall time spent in each stage.</param>
/// <param name="Backend">name of the editor that produced the result (e.g. "diffusion", "fast-warp").</param>
public sealed record EditResult(
    VideoClip EditedClip,
    PropagatedInstruction Instruction,
    IReadOnlyDictionary<EditStage, TimeSpan> StageTimings,
    string Backend) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => EditedClip.Dispose();
}
