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
    /// <summary>
    /// What the editor wants the user to know about this edit (for example that it fell back to another mode, or clipped
    /// content at the frame edge), in plain sentences; empty when there is nothing to say.
    /// </summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

    /// <inheritdoc />
    public void Dispose() => EditedClip.Dispose();
}
