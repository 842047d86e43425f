namespace DragVideo.Editing.FullResolution;

/// <summary>What a full-resolution edit does with a variable-frame-rate source.</summary>
public enum VariableFrameRateHandling
{
    /// <summary>Resample to a constant rate (the source's average) and say so in the report: the frame count then follows the duration.</summary>
    ConvertToConstant,
    /// <summary>Refuse the source with an <see cref="InvalidMediaException"/> that says how to convert it.</summary>
    Refuse,
}

/// <summary>
/// Options of <see cref="FullResolutionEditor"/>: the working clip the drag is propagated (and, for a diffusion editor,
/// edited) on, the encoder, and the memory budget. Immutable.
/// </summary>
public sealed record FullResolutionOptions
{
    /// <summary>The default options.</summary>
    public static FullResolutionOptions Default { get; } = new();

    /// <summary>
    /// Width in pixels of the working clip (the height follows the aspect ratio). The drag is propagated and the key-frame
    /// deformation fields are computed at this size, then applied to the source at its native size. Default 320 (the fast
    /// backend and the tracker were tuned at 256–320 px); a diffusion editor wants 512.
    /// </summary>
    public int WorkingWidth { get; init; } = 320;

    /// <summary>Working width and height are rounded to a multiple of this (1 = off; a diffusion editor needs 8).</summary>
    public int WorkingMultipleOf { get; init; } = 2;

    /// <summary>
    /// Key frames per second of the working clip (the frames the instruction is propagated to and fields are computed
    /// for; every source frame in between gets a field interpolated along the propagated motion). The request's key
    /// frames and the last frame are always included. Null = every source frame. Default 10.
    /// </summary>
    public double? KeyframeRate { get; init; } = 10;

    /// <summary>Most working frames allowed (a diffusion editor takes at most 24; lower <see cref="KeyframeRate"/> for longer clips).</summary>
    public int MaxWorkingFrames { get; init; } = 4000;

    /// <summary>x264 constant rate factor of the output (0 = lossless, 18 ≈ visually lossless; default 18).</summary>
    public int Crf { get; init; } = 18;

    /// <summary>x264 preset (<c>ultrafast</c> … <c>veryslow</c>; default <c>medium</c>).</summary>
    public string Preset { get; init; } = "medium";

    /// <summary>Copy the source's audio into the output (default true).</summary>
    public bool CopyAudio { get; init; } = true;

    /// <summary>What to do with a variable-frame-rate source (default: convert to constant and say so).</summary>
    public VariableFrameRateHandling VariableFrameRate { get; init; } = VariableFrameRateHandling.ConvertToConstant;

    /// <summary>
    /// Memory the edit may use for frames (working clip, its propagation, and the frames in flight), in bytes. A source
    /// whose estimate exceeds it is refused before any work with a message giving the estimate. Default 2 GiB.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = 2L << 30;

    /// <summary>Temporal smoothing of the propagated instruction and flow-based exclusion (null = off).</summary>
    public InstructionSmoothingOptions? Smoothing { get; init; } = InstructionSmoothingOptions.Default;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (WorkingWidth < 16 || WorkingWidth > 4096) throw new ArgumentOutOfRangeException(nameof(WorkingWidth), WorkingWidth, "must be in 16 … 4096.");
        if (WorkingMultipleOf < 1 || WorkingMultipleOf > 64) throw new ArgumentOutOfRangeException(nameof(WorkingMultipleOf), WorkingMultipleOf, "must be in 1 … 64.");
        if (KeyframeRate is double k && (!(k > 0) || double.IsInfinity(k))) throw new ArgumentOutOfRangeException(nameof(KeyframeRate), k, "must be a finite number > 0, or null for every frame.");
        if (MaxWorkingFrames < 2) throw new ArgumentOutOfRangeException(nameof(MaxWorkingFrames), MaxWorkingFrames, "must be ≥ 2.");
        if (Crf < 0 || Crf > 51) throw new ArgumentOutOfRangeException(nameof(Crf), Crf, "must be in 0 … 51.");
        string[] presets = { "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo" };
        if (!presets.Contains(Preset)) throw new ArgumentOutOfRangeException(nameof(Preset), Preset, $"must be one of {string.Join(", ", presets)}.");
        if (!Enum.IsDefined(VariableFrameRate)) throw new ArgumentOutOfRangeException(nameof(VariableFrameRate), VariableFrameRate, "unknown handling.");
        if (MemoryBudgetBytes < 16L << 20) throw new ArgumentOutOfRangeException(nameof(MemoryBudgetBytes), MemoryBudgetBytes, "must be at least 16 MiB.");
        Smoothing?.Validate();
    }
}
