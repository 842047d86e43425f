namespace DragVideo.Tracking;

/// <summary>
/// Settings of <see cref="LucasKanadeTracker"/> (pyramidal Lucas–Kanade after Bouguet, with a forward–backward check
/// after Kalal et al. and a patch-appearance check).
/// </summary>
public sealed record LucasKanadeOptions
{
    /// <summary>Half size of the square tracking window in pixels (window = 2r+1). Default 7 (15×15).</summary>
    public int WindowRadius { get; init; } = 7;

    /// <summary>Largest number of pyramid levels. Default 5 (motions up to ~100 px per step at 256²).</summary>
    public int MaxLevels { get; init; } = 5;

    /// <summary>The coarsest level keeps both sides at least this many pixels. Default 16.</summary>
    public int MinLevelSize { get; init; } = 16;

    /// <summary>Largest number of Gauss–Newton iterations per level. Default 20.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>A point stops iterating once its update is shorter than this (px at that level). Default 0.01.</summary>
    public double StopThreshold { get; init; } = 0.01;

    /// <summary>
    /// Largest forward–backward error (px): the distance between a point and its position after tracking to the next
    /// frame and back. Larger means lost or occluded. Default 1.
    /// </summary>
    public double ForwardBackwardThreshold { get; init; } = 1.0;

    /// <summary>
    /// Largest appearance error, <c>1 − ZNCC</c> between the window around the point and the window around its tracked
    /// position (colour, level 0). Larger means lost or occluded. Default 0.5.
    /// </summary>
    public double AppearanceThreshold { get; init; } = 0.5;

    /// <summary>
    /// Opt-in: LibTorch intra-op threads to use during the call, restored afterwards. Default 0: the library leaves the
    /// process-wide setting alone. LibTorch's thread count is global, so a non-zero value also applies to torch work on
    /// other threads while the call runs; set it only in a host that runs one edit at a time, or instead set the count
    /// once at start-up (<c>torch.set_num_threads</c>). Tracking issues many small operations that run fastest on one
    /// thread (on a busy 2-core box one 256² flow took 59 ms with 1 thread, 2.9 s with 2).
    /// </summary>
    public int TorchThreads { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting outside its range.</summary>
    public LucasKanadeOptions Validate()
    {
        if (WindowRadius < 1) throw new ArgumentOutOfRangeException(nameof(WindowRadius), WindowRadius, "must be ≥ 1.");
        if (MaxLevels < 1) throw new ArgumentOutOfRangeException(nameof(MaxLevels), MaxLevels, "needs at least one level.");
        if (MinLevelSize < 4) throw new ArgumentOutOfRangeException(nameof(MinLevelSize), MinLevelSize, "must be ≥ 4 px.");
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "must be ≥ 1.");
        if (!(StopThreshold > 0)) throw new ArgumentOutOfRangeException(nameof(StopThreshold), StopThreshold, "must be > 0.");
        if (!(ForwardBackwardThreshold > 0)) throw new ArgumentOutOfRangeException(nameof(ForwardBackwardThreshold), ForwardBackwardThreshold, "must be > 0.");
        if (!(AppearanceThreshold > 0) || AppearanceThreshold > 2) throw new ArgumentOutOfRangeException(nameof(AppearanceThreshold), AppearanceThreshold, "must be in (0, 2].");
        if (TorchThreads < 0) throw new ArgumentOutOfRangeException(nameof(TorchThreads), TorchThreads, "must be ≥ 0 (0 = unchanged).");
        return this;
    }
}
