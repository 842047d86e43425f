using DragVideo.Editing.Caching;
using static TorchSharp.torch;

namespace DragVideo.Editing.Stages;

/// <summary>Cache entries an edit produced; <see cref="CommitTo"/> writes them once the edit has finished. Owns the tensors.</summary>
internal sealed class PendingCacheWrites : IDisposable
{
    private readonly List<(string Key, Dictionary<string, Tensor> Tensors, Dictionary<string, string> Meta)> _writes = new();

    /// <summary>Number of entries waiting.</summary>
    public int Count => _writes.Count;

    /// <summary>Queues an entry (the tensors become this object's).</summary>
    public void Add(string key, Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata) => _writes.Add((key, tensors, metadata));

    /// <summary>Writes every queued entry to <paramref name="cache"/> (nothing when it is null).</summary>
    public void CommitTo(EditCache? cache)
    {
        if (cache is null) return;
        foreach (var (key, tensors, meta) in _writes) cache.Put(key, tensors, meta);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, tensors, _) in _writes) foreach (var t in tensors.Values) t.Dispose();
        _writes.Clear();
    }
}
