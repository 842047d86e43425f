using DragVideo.Diffusion.Loading;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Editing.Caching;

/// <summary>
/// Keeps per-clip results (the sample-specific LoRA weights and the inverted latent) in memory, least recently used
/// first out, and optionally in a folder as safetensors files (<c>{key}.safetensors</c>, written to a temp file then
/// moved). Every value handed in or out is a CPU copy: the cache never shares tensors with callers. Thread-safe.
/// </summary>
public sealed class EditCache : IDisposable
{
    private readonly EditCacheOptions _options;
    private readonly ILogger _logger;
    private readonly LinkedList<(string Key, Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata)> _memory = new();
    private readonly object _gate = new();

    /// <summary>Creates a cache.</summary>
    public EditCache(EditCacheOptions? options = null, ILogger<EditCache>? logger = null)
    {
        _options = options ?? new EditCacheOptions();
        _options.Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The settings.</summary>
    public EditCacheOptions Options => _options;

    /// <summary>Entries currently held in memory.</summary>
    public int MemoryCount
    {
        get { lock (_gate) return _memory.Count; }
    }

    /// <summary>The file an entry is stored in when <see cref="EditCacheOptions.Directory"/> is set, else null.</summary>
    public string? FileOf(string key) => _options.Directory is null ? null : Path.Combine(_options.Directory, key + ".safetensors");

    /// <summary>
    /// Looks up an entry in memory, then on disk. On a hit returns CPU copies the caller owns (and promotes a disk hit
    /// to memory).
    /// </summary>
    public bool TryGet(string key, out Dictionary<string, Tensor> tensors, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (_options.Enabled)
        {
            lock (_gate)
            {
                for (var node = _memory.First; node is not null; node = node.Next)
                {
                    if (node.Value.Key != key) continue;
                    _memory.Remove(node);
                    _memory.AddFirst(node);
                    tensors = Copy(node.Value.Tensors);
                    metadata = new Dictionary<string, string>(node.Value.Metadata);
                    _logger.LogDebug("edit cache: memory hit {Key}", key);
                    return true;
                }
            }
        }
        var file = FileOf(key);
        if (file is not null && File.Exists(file))
        {
            try
            {
                var (_, meta) = SafetensorsReader.ReadHeader(file);
                var loaded = SafetensorsReader.Load(file);
                var metaCopy = meta.ToDictionary(kv => kv.Key, kv => kv.Value);
                if (_options.Enabled) Remember(key, Copy(loaded), new Dictionary<string, string>(metaCopy));
                tensors = loaded;
                metadata = metaCopy;
                _logger.LogDebug("edit cache: disk hit {File}", file);
                return true;
            }
            catch (Exception e) when (e is IOException or DragVideoException or UnauthorizedAccessException)
            {
                _logger.LogWarning(e, "edit cache: ignoring unreadable entry {File}", file);
            }
        }
        tensors = new Dictionary<string, Tensor>();
        metadata = new Dictionary<string, string>();
        return false;
    }

    /// <summary>Stores copies of <paramref name="tensors"/> under <paramref name="key"/> (memory and, when configured, disk).</summary>
    public void Put(string key, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(tensors);
        var meta = metadata?.ToDictionary(kv => kv.Key, kv => kv.Value) ?? new Dictionary<string, string>();
        if (_options.Enabled) Remember(key, Copy(tensors), meta);
        var file = FileOf(key);
        if (file is null) return;
        try
        {
            Directory.CreateDirectory(_options.Directory!);
            SafetensorsWriter.Save(file, tensors, meta);
            _logger.LogDebug("edit cache: wrote {File}", file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DragVideoException)
        {
            _logger.LogWarning(e, "edit cache: could not write {File}", file);
        }
    }

    /// <summary>Drops every in-memory entry (files stay).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            foreach (var e in _memory) DisposeAll(e.Tensors);
            _memory.Clear();
        }
    }

    /// <inheritdoc />
    public void Dispose() => Clear();

    private void Remember(string key, Dictionary<string, Tensor> owned, Dictionary<string, string> metadata)
    {
        lock (_gate)
        {
            for (var node = _memory.First; node is not null; node = node.Next)
                if (node.Value.Key == key)
                {
                    DisposeAll(node.Value.Tensors);
                    _memory.Remove(node);
                    break;
                }
            if (_options.MaxMemoryEntries == 0)
            {
                DisposeAll(owned);
                return;
            }
            _memory.AddFirst((key, owned, metadata));
            while (_memory.Count > _options.MaxMemoryEntries)
            {
                DisposeAll(_memory.Last!.Value.Tensors);
                _memory.RemoveLast();
            }
        }
    }

    private static Dictionary<string, Tensor> Copy(IReadOnlyDictionary<string, Tensor> source)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in source)
        {
            var copy = v.detach().to(CPU).clone();
            copy.DetachFromDisposeScope();
            result[k] = copy;
        }
        return result;
    }

    private static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values) t.Dispose();
    }
}
