namespace DragVideo.Studio.Engine;

/// <summary>Keys of the metrics dictionary the page shows (see <see cref="IStudioEngine.Metrics"/>).</summary>
public static class MetricNames
{
    /// <summary>Mean distance (px) between where each handle's content ends up in the edited clip and its target.</summary>
    public const string DragDistance = "dragDistance";
}
