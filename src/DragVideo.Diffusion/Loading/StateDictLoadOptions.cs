namespace DragVideo.Diffusion.Loading;

/// <summary>
/// Narrow, explicit exceptions to strict loading. The defaults (none) make every missing, unexpected or mis-shaped
/// key an error, which is what house rule 2 asks for.
/// </summary>
public sealed record StateDictLoadOptions
{
    /// <summary>
    /// Dict keys that may be present without a place in the module and are then skipped (for example CLIP's
    /// <c>text_model.embeddings.position_ids</c>, persistent in old transformers releases). Null: none.
    /// </summary>
    public Func<string, bool>? IgnoreUnexpected { get; init; }

    /// <summary>
    /// Module keys that may be absent from the dict; the module keeps its own value (for example buffers the module
    /// computes itself, such as the motion modules' sinusoidal <c>pos_embed.pe</c>). Null: none.
    /// </summary>
    public Func<string, bool>? AllowMissing { get; init; }

    /// <summary>The strict default: no exceptions.</summary>
    public static StateDictLoadOptions Strict { get; } = new();
}
