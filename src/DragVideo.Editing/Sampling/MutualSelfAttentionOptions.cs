using System.Text.RegularExpressions;

namespace DragVideo.Editing.Sampling;

/// <summary>
/// Where and when Mutual Self-Attention (DragVideo §3.5, Eq. 6) replaces the edited stream's keys and values with the
/// original stream's. Default: every spatial self-attention layer of the decoder (up blocks) from the first denoising
/// step. The released code uses self-attention layers 10–15 of SD1.5's 16 (set <see cref="StartLayer"/> = 10).
/// </summary>
public sealed record MutualSelfAttentionOptions
{
    /// <summary>False runs a plain joint denoising (no key/value sharing): an ablation switch.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>First denoising step (0-based, counted from the first step after the optimised timestep) with MSA on.</summary>
    public int StartStep { get; init; }

    /// <summary>
    /// When set, MSA applies to spatial self-attention layers whose index among all spatial self-attention layers (forward
    /// order) is at least this (MasaCtrl's start layer; released code: 10 of 16). When null, the decoder's layers
    /// (<see cref="UNetPart.Up"/>) are used.
    /// </summary>
    public int? StartLayer { get; init; }

    /// <summary>When set, a regular expression on the layer path that overrides the default layer choice (spatial self-attention only).</summary>
    public string? LayerPathPattern { get; init; }

    /// <summary>
    /// Classifier-free guidance scale of the joint denoising: 1 (the default, the paper's and the released UI's setting)
    /// runs one conditional pass per step on <c>[original; edited]</c>; any other value also runs the unconditional
    /// (empty-prompt) pass on a doubled batch <c>[original, edited, original, edited]</c> and uses
    /// <c>ε̂ = ε_u + s·(ε_c − ε_u)</c> (the released <c>DragVideoPipeline</c>'s own default is 7). Twice the U-Net cost.
    /// </summary>
    public double GuidanceScale { get; init; } = 1.0;

    /// <summary>
    /// The released code's layer and step choice (<c>MutualSelfAttentionControl(start_step=0, start_layer=10)</c>): spatial
    /// self-attention layers 10–15 of SD1.5's 16 in forward order (<c>up_blocks.2</c> and <c>up_blocks.3</c>), from the
    /// first denoising step, guidance 1 as the released UI runs it. Reproduces the <c>dragloop</c> fixture's MSA steps
    /// (with <c>GuidanceScale = 7</c>, the value it was made with).
    /// </summary>
    public static MutualSelfAttentionOptions ReleasedCode { get; } = new() { StartStep = 0, StartLayer = 10, GuidanceScale = 1.0 };

    /// <summary>True when <paramref name="layer"/> gets Mutual Self-Attention.</summary>
    public bool Selects(AttentionLayerInfo layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer.Kind != AttentionKind.SpatialSelf) return false;
        if (LayerPathPattern is not null) return Regex.IsMatch(layer.Path, LayerPathPattern, RegexOptions.CultureInvariant);
        if (StartLayer is { } start) return layer.Index >= start;
        return layer.Part == UNetPart.Up;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (StartStep < 0) throw new ArgumentOutOfRangeException(nameof(StartStep), StartStep, "the MSA start step must be 0 or more.");
        if (!(GuidanceScale >= 0) || !double.IsFinite(GuidanceScale))
            throw new ArgumentOutOfRangeException(nameof(GuidanceScale), GuidanceScale, "the guidance scale must be a finite number ≥ 0.");
        if (StartLayer is < 0) throw new ArgumentOutOfRangeException(nameof(StartLayer), StartLayer, "the MSA start layer must be 0 or more.");
        if (LayerPathPattern is not null)
        {
            try { _ = new Regex(LayerPathPattern); }
            catch (ArgumentException e) { throw new ArgumentException($"LayerPathPattern is not a valid regular expression: {e.Message}", nameof(LayerPathPattern), e); }
        }
    }
}
