namespace DragVideo.Diffusion.Loading;

/// <summary>A Python <c>tuple</c> read from a pickle.</summary>
internal sealed class PickleTuple(object?[] items)
{
    public object?[] Items { get; } = items;
}

/// <summary>A Python <c>list</c> read from a pickle.</summary>
internal sealed class PickleList : List<object?>;

/// <summary>A Python <c>set</c>/<c>frozenset</c> read from a pickle (kept as a list).</summary>
internal sealed class PickleSet : List<object?>;

/// <summary>A Python <c>dict</c> or <c>collections.OrderedDict</c>, in insertion order.</summary>
internal sealed class PickleDict : List<KeyValuePair<object?, object?>>
{
    public bool IsOrderedDict { get; init; }

    /// <summary>The instance <c>__dict__</c> applied by BUILD (torch puts <c>_metadata</c> there); never interpreted.</summary>
    public object? State { get; set; }
}

/// <summary>A reference to an allow-listed Python callable or class (never executed; interpreted by the reader).</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => Module + "." + Name;
}

/// <summary>A torch storage referenced by a persistent id: a file <c>data/&lt;key&gt;</c> in the archive.</summary>
internal sealed record TorchStorageRef(string Key, TorchSharp.torch.ScalarType DType, int ElementSize, long ElementCount, string Location);
