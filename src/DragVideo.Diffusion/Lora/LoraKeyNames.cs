using System.Text.RegularExpressions;

namespace DragVideo.Diffusion.Lora;

/// <summary>
/// State-dict names of LoRA weights. The SDK writes the diffusers/PEFT naming that
/// <c>pipeline.load_lora_weights</c> / <c>save_lora_weights</c> use:
/// <c>unet.{layer path}.{to_q|to_k|to_v|to_out.0}.lora_A.weight</c> (<c>[r, in]</c>) and <c>….lora_B.weight</c>
/// (<c>[out, r]</c>). It also reads the same names without the <c>unet.</c> prefix or with PEFT's
/// <c>base_model.model.</c> prefix, and the older diffusers <c>LoRAAttnProcessor</c> naming
/// <c>{layer path}.processor.{to_q|to_k|to_v|to_out}_lora.{down|up}.weight</c>.
/// </summary>
internal static partial class LoraKeyNames
{
    /// <summary>The prefix diffusers puts before U-Net LoRA keys.</summary>
    public const string UnetPrefix = "unet.";

    /// <summary>Name of the A (down) matrix of a projection in PEFT naming, e.g. <c>unet.up_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight</c>.</summary>
    public static string Down(string layerPath, LoraProjection projection) => $"{UnetPrefix}{layerPath}.{projection.StateDictName()}.lora_A.weight";

    /// <summary>Name of the B (up) matrix of a projection in PEFT naming.</summary>
    public static string Up(string layerPath, LoraProjection projection) => $"{UnetPrefix}{layerPath}.{projection.StateDictName()}.lora_B.weight";

    /// <summary>A parsed LoRA key.</summary>
    /// <param name="LayerPath">attention layer path, e.g. <c>down_blocks.0.attentions.0.transformer_blocks.0.attn1</c>.</param>
    /// <param name="Projection">the adapted projection.</param>
    /// <param name="IsDown">true for A (down), false for B (up).</param>
    public readonly record struct ParsedKey(string LayerPath, LoraProjection Projection, bool IsDown);

    /// <summary>Parses a key in any accepted naming; false when it is not a LoRA key.</summary>
    public static bool TryParse(string key, out ParsedKey parsed)
    {
        ArgumentNullException.ThrowIfNull(key);
        string k = key;
        foreach (var prefix in new[] { "base_model.model.", UnetPrefix })
            if (k.StartsWith(prefix, StringComparison.Ordinal)) k = k[prefix.Length..];
        var m = PeftPattern().Match(k);
        if (m.Success && LoraProjectionExtensions.TryParse(m.Groups["proj"].Value, out var projection))
        {
            parsed = new ParsedKey(m.Groups["path"].Value, projection, m.Groups["ab"].Value == "A");
            return true;
        }
        m = LegacyPattern().Match(k);
        if (m.Success && LoraProjectionExtensions.TryParse(m.Groups["proj"].Value, out projection))
        {
            parsed = new ParsedKey(m.Groups["path"].Value, projection, m.Groups["ud"].Value == "down");
            return true;
        }
        parsed = default;
        return false;
    }

    [GeneratedRegex(@"^(?<path>.+)\.(?<proj>to_q|to_k|to_v|to_out\.0)\.lora_(?<ab>A|B)\.weight$", RegexOptions.CultureInvariant)]
    private static partial Regex PeftPattern();

    [GeneratedRegex(@"^(?<path>.+)\.processor\.(?<proj>to_q|to_k|to_v|to_out)_lora\.(?<ud>down|up)\.weight$", RegexOptions.CultureInvariant)]
    private static partial Regex LegacyPattern();
}
