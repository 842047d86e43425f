namespace DragVideo.Editing.Tests.Support;

/// <summary>A synchronous IProgress that records every report (System.Progress posts asynchronously).</summary>
internal sealed class ListProgress<T>(List<T> sink, Action<T>? onReport = null) : IProgress<T>
{
    public void Report(T value)
    {
        lock (sink) sink.Add(value);
        onReport?.Invoke(value);
    }
}
