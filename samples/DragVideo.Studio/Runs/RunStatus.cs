namespace DragVideo.Studio.Runs;

/// <summary>Where a run is.</summary>
public enum RunStatus
{
    /// <summary>Working.</summary>
    Running,
    /// <summary>Finished with a result.</summary>
    Completed,
    /// <summary>Stopped by an error.</summary>
    Failed,
    /// <summary>Cancelled by the user; no files are left.</summary>
    Cancelled,
}
