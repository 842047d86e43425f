namespace DragVideo.Diffusion.Lora;

/// <summary>The projection names of a diffusers <c>Attention</c> module that LoRA can adapt (state-dict naming).</summary>
public static class LoraProjectionNames
{
    /// <summary>Query projection <c>to_q</c>.</summary>
    public const string Query = "to_q";

    /// <summary>Key projection <c>to_k</c>.</summary>
    public const string Key = "to_k";

    /// <summary>Value projection <c>to_v</c>.</summary>
    public const string Value = "to_v";

    /// <summary>Output projection <c>to_out.0</c>.</summary>
    public const string Output = "to_out.0";

    /// <summary>All four, in the order diffusers lists them. The paper adapts every one of them (released code).</summary>
    public static IReadOnlyList<string> All { get; } = new[] { Query, Key, Value, Output };
}
