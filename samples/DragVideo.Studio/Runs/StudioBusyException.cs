namespace DragVideo.Studio.Runs;

/// <summary>The session already has a run in progress (HTTP 409 "busy").</summary>
public sealed class StudioBusyException(string activeRunId)
    : Exception("A run is already in progress in this session. Wait for it to finish or cancel it first.")
{
    /// <summary>The run that is still going.</summary>
    public string ActiveRunId { get; } = activeRunId;
}
