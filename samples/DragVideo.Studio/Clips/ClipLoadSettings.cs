namespace DragVideo.Studio.Clips;

/// <summary>
/// How a video is turned into the clip being edited (step 1 of the paper's UI, Fig. 12).
/// </summary>
/// <param name="Kps">key frames per second sampled from the input (paper default 6).</param>
/// <param name="MaxFrames">most frames read (paper: max length 24; AnimateDiff's window is 16).</param>
/// <param name="Size">frames are centre-cropped to a square of this side (paper: 512; 256 keeps CPU runs quick).</param>
public sealed record ClipLoadSettings(double Kps = 6, int MaxFrames = 16, int Size = 256)
{
    /// <summary>Smallest / largest accepted square side.</summary>
    public const int MinSize = 64, MaxSize = 768;

    /// <summary>Largest accepted frame count.</summary>
    public const int MaxFrameLimit = 48;

    /// <summary>Returns the problem with these settings as (field, message), or null when they are valid.</summary>
    public (string Field, string Message)? Check()
    {
        if (!double.IsFinite(Kps) || Kps <= 0 || Kps > 60) return ("kps", "key frames per second must be in (0, 60].");
        if (MaxFrames < 2 || MaxFrames > MaxFrameLimit) return ("maxFrames", $"max length must be 2 … {MaxFrameLimit} frames.");
        if (Size < MinSize || Size > MaxSize || Size % 8 != 0) return ("size", $"size must be a multiple of 8 in {MinSize} … {MaxSize}.");
        return null;
    }
}
