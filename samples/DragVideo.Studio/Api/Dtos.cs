namespace DragVideo.Studio.Api;

/// <summary>A point in frame pixels.</summary>
public sealed record PointDto(float X, float Y);

/// <summary>A handle → target pair.</summary>
public sealed record PairDto(PointDto? Handle, PointDto? Target);

/// <summary>Mask clicks on a key frame: positive (inside) and negative (outside).</summary>
public sealed record MaskClicksDto(IReadOnlyList<PointDto>? Positive = null, IReadOnlyList<PointDto>? Negative = null);

/// <summary>A key frame's instruction as the page sends it.</summary>
public sealed record KeyframeDto(int Frame, IReadOnlyList<PairDto>? Pairs, MaskClicksDto? Mask = null);

/// <summary>Body of POST /api/clips/{id}/mask.</summary>
public sealed record MaskRequestDto(int Frame, IReadOnlyList<PointDto>? Positive, IReadOnlyList<PointDto>? Negative, int Radius = 10);

/// <summary>Body of POST /api/clips/{id}/propagate.</summary>
public sealed record PropagateRequestDto(IReadOnlyList<KeyframeDto>? Keyframes, int Radius = 10);

/// <summary>Body of POST /api/clips/library.</summary>
public sealed record LibraryLoadDto(string? Name, double Kps = 6, int MaxFrames = 16, int Size = 256);

/// <summary>
/// The tunable settings of a run (paper Fig. 12 defaults; the fast backend uses the radius only, the diffusion editor
/// all of them).
/// </summary>
/// <param name="PixelSteps">motion-supervision steps K (40).</param>
/// <param name="Lambda">λ, regularisation outside the mask (0.1).</param>
/// <param name="InversionStrength">fraction of the DDIM schedule inverted (0.75).</param>
/// <param name="LatentLr">η of Eq. 4 (0.01).</param>
/// <param name="Radius">mask growth radius in pixels (10).</param>
/// <param name="LoraSteps">LoRA training steps (100).</param>
/// <param name="LoraLr">LoRA AdamW learning rate (5e-4).</param>
/// <param name="LoraRank">LoRA rank (16).</param>
/// <param name="LoraBatch">frames per LoRA batch (12).</param>
/// <param name="Deform">fast backend only: "stretch" (moving-least-squares warp, the default) or "move" (the object
/// moves as a body and what it uncovers is filled from other frames).</param>
public sealed record EditParamsDto(
    int PixelSteps = 40,
    double Lambda = 0.1,
    double InversionStrength = 0.75,
    double LatentLr = 0.01,
    int Radius = 10,
    int LoraSteps = 100,
    double LoraLr = 5e-4,
    int LoraRank = 16,
    int LoraBatch = 12,
    string Deform = "stretch")
{
    /// <summary>The accepted values of <see cref="Deform"/>.</summary>
    public static IReadOnlyList<string> DeformModes { get; } = new[] { "stretch", "move" };

    /// <summary>Throws a 400 naming the first out-of-range setting.</summary>
    public void Validate()
    {
        static void Check(bool ok, string field, string message)
        {
            if (!ok) throw StudioApiException.BadRequest($"params.{field}", message);
        }
        Check(PixelSteps is >= 1 and <= 500, "pixelSteps", "pixel steps must be 1 … 500.");
        Check(double.IsFinite(Lambda) && Lambda is >= 0 and <= 100, "lambda", "λ must be in [0, 100].");
        Check(double.IsFinite(InversionStrength) && InversionStrength is > 0 and <= 1, "inversionStrength", "inversion strength must be in (0, 1].");
        Check(double.IsFinite(LatentLr) && LatentLr is > 0 and <= 1, "latentLr", "latent lr must be in (0, 1].");
        Check(Radius is >= 0 and <= 200, "radius", "radius must be 0 … 200 pixels.");
        Check(LoraSteps is >= 0 and <= 2000, "loraSteps", "LoRA steps must be 0 … 2000.");
        Check(double.IsFinite(LoraLr) && LoraLr is > 0 and <= 1, "loraLr", "LoRA lr must be in (0, 1].");
        Check(LoraRank is >= 1 and <= 256, "loraRank", "LoRA rank must be 1 … 256.");
        Check(LoraBatch is >= 1 and <= 48, "loraBatch", "LoRA batch must be 1 … 48 frames.");
        Check(Deform is not null && DeformModes.Contains(Deform), "deform", "deform must be \"stretch\" or \"move\".");
    }
}

/// <summary>Body of POST /api/clips/{id}/runs.</summary>
public sealed record RunRequestDto(IReadOnlyList<KeyframeDto>? Keyframes, string? Prompt = null, EditParamsDto? Params = null);

/// <summary>What the page needs to know about a loaded clip.</summary>
public sealed record ClipInfoDto(string Id, string Name, int Frames, int Width, int Height, double Fps, string OriginalUrl);

/// <summary>A video offered from the start-up folder.</summary>
public sealed record LibraryItemDto(string Name, long Bytes);

/// <summary>One frame of a propagated instruction, for the frame viewer.</summary>
public sealed record PropagatedFrameDto(int Frame, IReadOnlyList<PairDto> Pairs, IReadOnlyList<bool> Visible);

/// <summary>Answer of "Propagate".</summary>
public sealed record PropagateResultDto(string PreviewUrl, IReadOnlyList<PropagatedFrameDto> Frames, double MeanDragLength);

/// <summary>Answer of starting a run.</summary>
public sealed record RunStartedDto(string RunId, string EventsUrl, string CancelUrl, string Backend);

/// <summary>The "done" payload: the result videos and the metrics.</summary>
public sealed record RunDoneDto(
    string ResultUrl,
    string OriginalUrl,
    string SideBySideUrl,
    string Backend,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, double> StageSeconds)
{
    /// <summary>The editor's notes on this run (for example a fallback from move to stretch mode); empty when none.</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();
}
