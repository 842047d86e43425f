namespace DragVideo.Diffusion.Lora;

/// <summary>
/// A linear projection of a diffusers <c>Attention</c> module that a LoRA adapter can wrap. The members are listed in
/// diffusers' order; files keep diffusers' state-dict names (<c>to_q</c>, <c>to_k</c>, <c>to_v</c>, <c>to_out.0</c>).
/// </summary>
public enum LoraProjection
{
    /// <summary>The query projection, diffusers' <c>Attention.to_q</c> (applied to the hidden states).</summary>
    Query,

    /// <summary>The key projection, diffusers' <c>Attention.to_k</c> (applied to the context: hidden states or text).</summary>
    Key,

    /// <summary>The value projection, diffusers' <c>Attention.to_v</c> (applied to the context: hidden states or text).</summary>
    Value,

    /// <summary>The output projection, diffusers' <c>Attention.to_out.0</c> (the linear layer before the dropout).</summary>
    Output,
}

/// <summary>The diffusers state-dict names of <see cref="LoraProjection"/> values.</summary>
internal static class LoraProjectionExtensions
{
    /// <summary>All four projections in diffusers' order (the default of <see cref="LoraConfig.Projections"/>).</summary>
    public static IReadOnlyList<LoraProjection> All { get; } =
        Array.AsReadOnly(new[] { LoraProjection.Query, LoraProjection.Key, LoraProjection.Value, LoraProjection.Output });

    /// <summary>The projection's module name inside a diffusers <c>Attention</c>: <c>to_q</c>, <c>to_k</c>, <c>to_v</c> or <c>to_out.0</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">not a defined <see cref="LoraProjection"/>.</exception>
    public static string StateDictName(this LoraProjection projection) => projection switch
    {
        LoraProjection.Query => "to_q",
        LoraProjection.Key => "to_k",
        LoraProjection.Value => "to_v",
        LoraProjection.Output => "to_out.0",
        _ => throw new ArgumentOutOfRangeException(nameof(projection), projection, "not a LoRA projection."),
    };

    /// <summary>The projection whose state-dict name is <paramref name="name"/> (<c>to_out</c> is accepted for <c>to_out.0</c>, as in the legacy naming).</summary>
    public static bool TryParse(string name, out LoraProjection projection)
    {
        switch (name)
        {
            case "to_q": projection = LoraProjection.Query; return true;
            case "to_k": projection = LoraProjection.Key; return true;
            case "to_v": projection = LoraProjection.Value; return true;
            case "to_out.0" or "to_out": projection = LoraProjection.Output; return true;
            default: projection = default; return false;
        }
    }
}
