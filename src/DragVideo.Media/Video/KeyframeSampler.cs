namespace DragVideo.Media;

/// <summary>
/// Chooses which decoded frames to keep for a key-frame rate ("kps"): output frame <c>k</c> is the source frame on screen
/// at <c>t = k / kps</c>, i.e. index <c>floor(k · fps / kps)</c> (a small epsilon absorbs rounding of exact ratios).
/// </summary>
internal sealed class KeyframeSampler
{
    private readonly double _step;
    private readonly int? _max;
    private int _taken;

    public KeyframeSampler(double sourceFps, double? kps, int? maxFrames)
    {
        _step = kps is double k && k < sourceFps ? sourceFps / k : 1.0;
        OutputFps = kps is double k2 && k2 < sourceFps ? k2 : sourceFps;
        _max = maxFrames;
    }

    /// <summary>
    /// The same choice as an ffmpeg <c>select</c> filter, so skipped frames are never scaled or piped: source frame
    /// <c>n</c> is kept when <c>floor(ceil((n − ε) / step) · step + ε) = n</c>. Null when every frame is kept.
    /// </summary>
    public string? SelectFilter => _step == 1.0
        ? null
        : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"select='eq(floor(ceil((n-1e-6)/{_step:R})*{_step:R}+1e-6),n)'");

    /// <summary>Frame rate of the sampled clip.</summary>
    public double OutputFps { get; }

    /// <summary>Source index of output frame <paramref name="k"/>.</summary>
    public int SourceIndex(int k) => (int)Math.Floor(k * _step + 1e-6);

    /// <summary>Number of source frames ffmpeg must decode to serve every wanted frame, when <c>maxFrames</c> is set.</summary>
    public int? SourceFramesNeeded => _max is int m ? SourceIndex(m - 1) + 1 : null;

    /// <summary>True when all wanted frames were taken.</summary>
    public bool Done => _max is int m && _taken >= m;

    /// <summary>Decides for the next decoded source frame (indices arrive in order, starting at 0).</summary>
    public bool Take(int sourceIndex)
    {
        if (Done || sourceIndex != SourceIndex(_taken)) return false;
        _taken++;
        return true;
    }
}
