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
        if (StartLayer is < 0) throw new ArgumentOutOfRangeException(nameof(StartLayer), StartLayer, "the MSA start layer must be 0 or more.");
        if (LayerPathPattern is not null)
        {
            try { _ = new Regex(LayerPathPattern); }
            catch (ArgumentException e) { throw new ArgumentException($"LayerPathPattern is not a valid regular expression: {e.Message}", nameof(LayerPathPattern), e); }
        }
    }
}
