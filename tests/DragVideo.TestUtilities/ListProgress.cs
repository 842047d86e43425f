namespace DragVideo.Testing;

/// <summary>
/// A synchronous <see cref="IProgress{T}"/> that records every report in order (<see cref="Progress{T}"/> posts
/// asynchronously, so a test could read its list before the last report lands). The one progress collector of the tests.
/// </summary>
/// <param name="sink">receives every report (locked while adding, so reports from worker threads are safe).</param>
/// <param name="onReport">optional action run after each report, e.g. to cancel at a given step.</param>
public sealed class ListProgress<T>(List<T> sink, Action<T>? onReport = null) : IProgress<T>
{
    /// <summary>Records into a new list, available as <see cref="Reports"/>.</summary>
    public ListProgress(Action<T>? onReport = null) : this(new List<T>(), onReport) { }

    /// <summary>The reports so far (a snapshot).</summary>
    public IReadOnlyList<T> Reports
    {
        get { lock (sink) return sink.ToArray(); }
    }

    /// <inheritdoc />
    public void Report(T value)
    {
        lock (sink) sink.Add(value);
        onReport?.Invoke(value);
    }
}
