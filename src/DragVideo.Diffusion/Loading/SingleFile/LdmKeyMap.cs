namespace DragVideo.Diffusion.Loading;

/// <summary>
/// The complete rename plan for an SD1.x LDM checkpoint: every key either maps to a diffusers/transformers name, is
/// ignored on purpose (training-only DDPM buffers, the unused EMA copy), or is reported as unmapped.
/// </summary>
/// <param name="Mappings">Source key → target, in checkpoint order.</param>
/// <param name="Ignored">Keys deliberately skipped (DDPM schedule buffers, <c>model_ema.*</c>, …).</param>
/// <param name="Unmapped">Keys no rule knows; a strict load reports them as unexpected.</param>
/// <param name="Unet">U-Net structure read from the keys, or null when the file has no U-Net.</param>
/// <param name="Vae">VAE structure read from the keys, or null when the file has no VAE.</param>
public sealed record LdmKeyMap(
    IReadOnlyList<LdmKeyMapping> Mappings, IReadOnlyList<string> Ignored, IReadOnlyList<string> Unmapped,
    LdmUnetLayout? Unet, LdmVaeLayout? Vae)
{
    /// <summary>Mappings of one component.</summary>
    public IEnumerable<LdmKeyMapping> Of(LdmComponent component) => Mappings.Where(m => m.Component == component);

    /// <summary>True when the file holds at least one tensor of the component.</summary>
    public bool Has(LdmComponent component) => Mappings.Any(m => m.Component == component);
}
