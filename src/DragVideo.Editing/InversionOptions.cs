namespace DragVideo.Editing;

/// <summary>
/// DDIM schedule and inversion depth (DragVideo §3.4). Defaults: the paper's 50 DDIM steps (the released code uses 49)
/// and inversion strength 0.75, i.e. the latent at step <c>round(0.75 × 50) = 38</c> is optimised. No classifier-free
/// guidance, and no doubled batch.
/// </summary>
public sealed record InversionOptions
{
    /// <summary>DDIM inference steps of the full schedule (paper: 50; released code: 49).</summary>
    public int InferenceSteps { get; init; } = 50;

    /// <summary>Inversion strength in (0, 1]: the fraction of the schedule inverted (paper: 0.75).</summary>
    public double Strength { get; init; } = 0.75;

    /// <summary>Inversion steps: Python's <c>round(Strength × InferenceSteps)</c> (half to even), at least 1.</summary>
    public int InvertedSteps => Math.Max(1, (int)Math.Round(Strength * InferenceSteps, MidpointRounding.ToEven));

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (InferenceSteps < 1) throw new ArgumentOutOfRangeException(nameof(InferenceSteps), InferenceSteps, "at least one DDIM step is needed.");
        if (!(Strength > 0 && Strength <= 1)) throw new ArgumentOutOfRangeException(nameof(Strength), Strength, "the inversion strength must be in (0, 1].");
    }
}
