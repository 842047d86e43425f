using System.Text.RegularExpressions;

namespace DragVideo.Diffusion.Lora;

/// <summary>
/// Where LoRA adapters go and how large they are. Defaults follow the DragVideo paper (§3.2: rank 16) and its released
/// code (adapters on <c>to_q</c>, <c>to_k</c>, <c>to_v</c> and <c>to_out.0</c> of every attention module: spatial self,
/// spatial cross and temporal).
/// </summary>
public sealed record LoraConfig
{
    /// <summary>Rank r of every adapter (paper: 16).</summary>
    public int Rank { get; init; } = 16;

    /// <summary>
    /// PEFT's <c>lora_alpha</c>; the update is scaled by <c>alpha / rank</c>. Null means alpha = rank (scale 1, the
    /// diffusers/DragDiffusion default).
    /// </summary>
    public double? Alpha { get; init; }

    /// <summary>Kinds of attention layers that get adapters (default: spatial self, spatial cross and temporal).</summary>
    public IReadOnlyList<AttentionKind> Kinds { get; init; } =
        new[] { AttentionKind.SpatialSelf, AttentionKind.SpatialCross, AttentionKind.Temporal };

    /// <summary>Optional regular expression; only layers whose path matches it get adapters (null = all of <see cref="Kinds"/>).</summary>
    public string? PathPattern { get; init; }

    /// <summary>
    /// Projections adapted in each layer (default: all four in diffusers' order, <see cref="LoraProjection.Query"/>,
    /// <see cref="LoraProjection.Key"/>, <see cref="LoraProjection.Value"/>, <see cref="LoraProjection.Output"/>).
    /// </summary>
    public IReadOnlyList<LoraProjection> Projections { get; init; } = LoraProjectionExtensions.All;

    /// <summary>
    /// How <c>lora_A</c> starts (<c>lora_B</c> is always 0): PEFT's Kaiming-uniform (default) or the released code's
    /// <c>LoRALinearLayer</c> normal with standard deviation 1/rank.
    /// </summary>
    public LoraInitialization Initialization { get; init; } = LoraInitialization.KaimingUniform;

    /// <summary>Seed of the random initialisation of the <c>lora_A</c> matrices.</summary>
    public long Seed { get; init; }

    /// <summary>The alpha actually used (rank when <see cref="Alpha"/> is null).</summary>
    public double EffectiveAlpha => Alpha ?? Rank;

    /// <summary>True when <paramref name="layer"/> is selected by <see cref="Kinds"/> and <see cref="PathPattern"/>.</summary>
    public bool Selects(AttentionLayerInfo layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!Kinds.Contains(layer.Kind)) return false;
        return PathPattern is null || Regex.IsMatch(layer.Path, PathPattern, RegexOptions.CultureInvariant);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Rank < 1) throw new ArgumentOutOfRangeException(nameof(Rank), Rank, "LoRA rank must be at least 1.");
        if (Alpha is { } a && !(a > 0 && double.IsFinite(a)))
            throw new ArgumentOutOfRangeException(nameof(Alpha), a, "LoRA alpha must be a finite number greater than 0.");
        if (!Enum.IsDefined(Initialization))
            throw new ArgumentOutOfRangeException(nameof(Initialization), Initialization, "unknown LoRA initialisation.");
        if (Kinds is null || Kinds.Count == 0) throw new ArgumentException("at least one attention kind must be selected.", nameof(Kinds));
        if (Projections is null || Projections.Count == 0)
            throw new ArgumentException("at least one projection must be adapted.", nameof(Projections));
        foreach (var p in Projections)
            if (!Enum.IsDefined(p))
                throw new ArgumentOutOfRangeException(nameof(Projections), p,
                    $"unknown LoRA projection; expected one of {string.Join(", ", LoraProjectionExtensions.All)}.");
        if (Projections.Distinct().Count() != Projections.Count)
            throw new ArgumentException("each projection may be listed only once.", nameof(Projections));
        if (PathPattern is not null)
        {
            try { _ = new Regex(PathPattern); }
            catch (ArgumentException e) { throw new ArgumentException($"PathPattern is not a valid regular expression: {e.Message}", nameof(PathPattern), e); }
        }
    }
}

/// <summary>How the <c>lora_A</c> (down) matrices start.</summary>
public enum LoraInitialization
{
    /// <summary>Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in) (PEFT's default).</summary>
    KaimingUniform,

    /// <summary>N(0, (1/rank)²) (diffusers' <c>LoRALinearLayer</c>, used by the released DragVideo code).</summary>
    Gaussian,
}
