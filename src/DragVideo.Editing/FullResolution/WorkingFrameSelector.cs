namespace DragVideo.Editing.FullResolution;

/// <summary>
/// Chooses the working (key) frames of a full-resolution edit among the source frames: one every
/// <c>fps / KeyframeRate</c> frames (the frame on screen at <c>k / KeyframeRate</c> seconds), every key frame of the
/// request, and (added by the caller once the count is known) the last frame.
/// </summary>
internal sealed class WorkingFrameSelector
{
    private readonly HashSet<int> _keys;

    public WorkingFrameSelector(double sourceFps, double? keyframeRate, IEnumerable<int> keyFrames)
    {
        Step = keyframeRate is double k && k < sourceFps ? sourceFps / k : 1.0;
        WorkingFps = sourceFps / Step;
        _keys = keyFrames.ToHashSet();
    }

    /// <summary>Source frames per working frame (≥ 1).</summary>
    public double Step { get; }

    /// <summary>Nominal frame rate of the working clip.</summary>
    public double WorkingFps { get; }

    /// <summary>Number of distinct request key frames.</summary>
    public int KeyCount => _keys.Count;

    /// <summary>True when source frame <paramref name="index"/> is a working frame (a sampled frame or a request key frame).</summary>
    public bool IsSelected(int index) =>
        _keys.Contains(index) || Step == 1.0 || (int)Math.Floor(Math.Ceiling((index - 1e-6) / Step) * Step + 1e-6) == index;
}
