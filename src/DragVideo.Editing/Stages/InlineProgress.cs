namespace DragVideo.Editing.Stages;

/// <summary>An <see cref="IProgress{T}"/> that reports synchronously on the calling thread (stage loops → <see cref="EditProgress"/>).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
