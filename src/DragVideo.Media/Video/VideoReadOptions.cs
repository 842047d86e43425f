namespace DragVideo.Media;

/// <summary>
/// How <see cref="VideoReader"/> samples and sizes a video. Defaults follow the DragVideo paper's UI (Fig. 12): key
/// frames sampled at 6 per second ("kps"), at most 24 frames ("max length"), sizes a multiple of 8 (the VAE's factor).
/// </summary>
public sealed record VideoReadOptions
{
    /// <summary>
    /// Key frames per second sampled from the input ("kps"; paper default 6). Frame <c>k</c> of the result is the source
    /// frame on screen at <c>t = StartSeconds + k / Kps</c>, i.e. source index <c>floor(k · fps / Kps)</c> counted from
    /// the start time. Null, or a value at or above the source rate, keeps every frame at the source rate.
    /// </summary>
    public double? Kps { get; init; } = 6;

    /// <summary>Where to start, in seconds from the beginning of the video (default 0).</summary>
    public double StartSeconds { get; init; }

    /// <summary>Maximum number of frames to return (paper's "max length" 24); null = no limit.</summary>
    public int? MaxFrames { get; init; } = 24;

    /// <summary>Target width in pixels; null keeps the source width (or follows <see cref="Height"/> keeping the aspect ratio).</summary>
    public int? Width { get; init; }

    /// <summary>Target height in pixels; null keeps the source height (or follows <see cref="Width"/> keeping the aspect ratio).</summary>
    public int? Height { get; init; }

    /// <summary>
    /// Square output (the paper works at 512×512): side <see cref="Width"/> ?? <see cref="Height"/> ?? the source's
    /// shorter side (<see cref="ResizeMode.CenterCrop"/>) or longer side (<see cref="ResizeMode.Pad"/>).
    /// </summary>
    public bool Square { get; init; }

    /// <summary>How the frame is fitted to the target when aspect ratios differ (default centre crop).</summary>
    public ResizeMode ResizeMode { get; init; } = ResizeMode.CenterCrop;

    /// <summary>
    /// Output width and height are rounded to a multiple of this (default 8, the VAE's downsampling factor): down for
    /// <see cref="ResizeMode.CenterCrop"/>, up for <see cref="ResizeMode.Pad"/>. 1 disables rounding.
    /// </summary>
    public int MultipleOf { get; init; } = 8;

    /// <summary>
    /// Largest number of bytes a decode may allocate (the float32 clip, 12 bytes a pixel, plus its rgb24 staging copy,
    /// 3 bytes a pixel); checked against the container's frame count before anything is decoded, and again while
    /// frames arrive, so an oversized video is refused with <see cref="MemoryBudgetExceededException"/> instead of
    /// exhausting memory. Default <see cref="DefaultMaxDecodedBytes"/> (4 GiB: 24 frames of 3840×2160 fit); null = no limit.
    /// </summary>
    public long? MaxDecodedBytes { get; init; } = DefaultMaxDecodedBytes;

    /// <summary>Default of <see cref="MaxDecodedBytes"/>: 4 GiB.</summary>
    public const long DefaultMaxDecodedBytes = 4L << 30;

    /// <summary>Largest accepted <see cref="Width"/> / <see cref="Height"/> (8192 pixels).</summary>
    public const int MaxSide = 8192;

    /// <summary>The paper's preprocessing: 512×512 centre crop, kps 6, at most 24 frames.</summary>
    public static VideoReadOptions Paper { get; } = new() { Width = 512, Height = 512, Square = true };

    /// <summary>Every frame at the source rate and size (still rounded to a multiple of 8 by centre crop).</summary>
    public static VideoReadOptions AllFrames { get; } = new() { Kps = null, MaxFrames = null };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Kps is double k && (!double.IsFinite(k) || k <= 0))
            throw new ArgumentOutOfRangeException(nameof(Kps), k, "kps must be a finite number of frames per second greater than 0 (or null for every frame).");
        if (!double.IsFinite(StartSeconds) || StartSeconds < 0)
            throw new ArgumentOutOfRangeException(nameof(StartSeconds), StartSeconds, "the start time must be a finite number of seconds ≥ 0.");
        if (MaxFrames is int m && m < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxFrames), m, "max frames must be at least 1 (or null for no limit).");
        if (Width is int w && (w < 1 || w > MaxSide))
            throw new ArgumentOutOfRangeException(nameof(Width), w, $"width must be between 1 and {MaxSide} pixels.");
        if (Height is int h && (h < 1 || h > MaxSide))
            throw new ArgumentOutOfRangeException(nameof(Height), h, $"height must be between 1 and {MaxSide} pixels.");
        if (MaxDecodedBytes is long b && b < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxDecodedBytes), b, "the decode budget must be at least 1 byte (or null for no limit).");
        if (MultipleOf < 1 || MultipleOf > 256)
            throw new ArgumentOutOfRangeException(nameof(MultipleOf), MultipleOf, "the size multiple must be between 1 and 256.");
        if (!Enum.IsDefined(ResizeMode))
            throw new ArgumentOutOfRangeException(nameof(ResizeMode), ResizeMode, "unknown resize mode.");
    }
}
