namespace DragVideo.Editing;

/// <summary>
/// Reuse of the two expensive per-clip results, the sample-specific LoRA and the inverted latent, so a second drag on
/// the same clip skips both. Entries are keyed by a SHA-256 of the clip's pixels, the model's identity and every setting
/// that affects them.
/// </summary>
public sealed record EditCacheOptions
{
    /// <summary>Keep results in memory (default true).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Entries kept in memory (least recently used dropped first).</summary>
    public int MaxMemoryEntries { get; init; } = 4;

    /// <summary>When set, results are also written to / read from this folder as safetensors files.</summary>
    public string? Directory { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (MaxMemoryEntries < 0) throw new ArgumentOutOfRangeException(nameof(MaxMemoryEntries), MaxMemoryEntries, "must be 0 or more.");
        if (Directory is { Length: 0 }) throw new ArgumentException("the cache directory must not be empty (use null for none).", nameof(Directory));
    }
}
