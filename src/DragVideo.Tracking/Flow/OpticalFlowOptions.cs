namespace DragVideo.Tracking;

/// <summary>
/// Settings of <see cref="PyramidalOpticalFlow"/>. The defaults suit 256²–512² footage with motions up to about 60 px
/// between the two frames (the coarsest level sees the motion divided by 2^(levels−1)).
/// </summary>
public sealed record OpticalFlowOptions
{
    /// <summary>Largest number of pyramid levels (level 0 = full resolution). Default 5.</summary>
    public int MaxLevels { get; init; } = 5;

    /// <summary>The coarsest level keeps both sides at least this many pixels. Default 16.</summary>
    public int MinLevelSize { get; init; } = 16;

    /// <summary>Warping iterations per pyramid level. Default 5.</summary>
    public int Iterations { get; init; } = 5;

    /// <summary>Standard deviation (px) of the Gaussian window that pools the brightness-constancy equations. Default 2.</summary>
    public double WindowSigma { get; init; } = 2.0;

    /// <summary>
    /// Tikhonov term added to the structure tensor (units of squared intensity gradient, images in [0, 1]); keeps the
    /// update small where the texture cannot determine the motion. Default 1e-4.
    /// </summary>
    public double Regularization { get; init; } = 1e-4;

    /// <summary>
    /// Standard deviation (px) of the confidence-weighted smoothing that fills untextured areas with the motion of their
    /// textured neighbours after each level (0 disables). Default 3.
    /// </summary>
    public double FillSigma { get; init; } = 3.0;

    /// <summary>Apply a 3×3 median to the flow after each level (removes outliers). Default true.</summary>
    public bool MedianFilter { get; init; } = true;

    /// <summary>Gaussian pre-smoothing (px) of both frames, useful on noisy footage. Default 0 (none).</summary>
    public double PreSmoothSigma { get; init; }

    /// <summary>
    /// Opt-in: LibTorch intra-op threads to use during the call, restored afterwards. Default 0: the library leaves the
    /// process-wide setting alone. LibTorch's thread count is global, so a non-zero value also applies to torch work on
    /// other threads while the call runs; set it only in a host that runs one edit at a time, or instead set the count
    /// once at start-up (<c>torch.set_num_threads</c>). The flow's pyramids and solve run as managed loops on the calling
    /// thread; the setting applies to its remaining LibTorch calls (reading the frames, an initial flow's subsampling).
    /// </summary>
    public int TorchThreads { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting outside its range.</summary>
    public OpticalFlowOptions Validate()
    {
        if (MaxLevels < 1) throw new ArgumentOutOfRangeException(nameof(MaxLevels), MaxLevels, "needs at least one level.");
        if (MinLevelSize < 4) throw new ArgumentOutOfRangeException(nameof(MinLevelSize), MinLevelSize, "must be ≥ 4 px.");
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "must be ≥ 1.");
        if (!(WindowSigma > 0)) throw new ArgumentOutOfRangeException(nameof(WindowSigma), WindowSigma, "must be > 0.");
        if (!(Regularization > 0)) throw new ArgumentOutOfRangeException(nameof(Regularization), Regularization, "must be > 0.");
        if (FillSigma < 0) throw new ArgumentOutOfRangeException(nameof(FillSigma), FillSigma, "must be ≥ 0.");
        if (PreSmoothSigma < 0) throw new ArgumentOutOfRangeException(nameof(PreSmoothSigma), PreSmoothSigma, "must be ≥ 0.");
        if (TorchThreads < 0) throw new ArgumentOutOfRangeException(nameof(TorchThreads), TorchThreads, "must be ≥ 0 (0 = unchanged).");
        return this;
    }
}
