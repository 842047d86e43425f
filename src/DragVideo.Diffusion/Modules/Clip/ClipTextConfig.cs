using DragVideo.Diffusion.Modules.Common;
using System.Text.Json;

namespace DragVideo.Diffusion.Modules.Clip;

/// <summary>
/// Configuration of <see cref="ClipTextModel"/>, mirroring transformers' <c>CLIPTextConfig</c> (<c>text_encoder/config.json</c>).
/// Defaults are SD1.5's text encoder (OpenAI CLIP ViT-L/14).
/// </summary>
public sealed record ClipTextConfig
{
    /// <summary>Vocabulary size (49408).</summary>
    public int VocabSize { get; init; } = 49408;

    /// <summary>Width D of the token states (768).</summary>
    public int HiddenSize { get; init; } = 768;

    /// <summary>Feed-forward width (3072).</summary>
    public int IntermediateSize { get; init; } = 3072;

    /// <summary>Transformer layers (12).</summary>
    public int NumHiddenLayers { get; init; } = 12;

    /// <summary>Attention heads (12).</summary>
    public int NumAttentionHeads { get; init; } = 12;

    /// <summary>Context length (77).</summary>
    public int MaxPositionEmbeddings { get; init; } = 77;

    /// <summary>Feed-forward activation: <c>quick_gelu</c> (OpenAI CLIP) or <c>gelu</c> (OpenCLIP).</summary>
    public string HiddenAct { get; init; } = "quick_gelu";

    /// <summary>LayerNorm ε (1e-5).</summary>
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Start token id as written in the config (SD1.5's file says 0; the tokenizer's is 49406).</summary>
    public int BosTokenId { get; init; } = 0;

    /// <summary>
    /// End token id as written in the config. SD1.5's file says 2, which transformers reads as "legacy": the pooled
    /// state is then taken at the highest id (argmax) instead of the first end token.
    /// </summary>
    public int EosTokenId { get; init; } = 2;

    /// <summary>Padding id as written in the config.</summary>
    public int PadTokenId { get; init; } = 1;

    /// <summary>SD1.5's text encoder.</summary>
    public static ClipTextConfig StableDiffusion15 { get; } = new();

    /// <summary>Reads a transformers <c>config.json</c>; unknown keys are ignored.</summary>
    /// <exception cref="ModelLoadException">missing file, invalid JSON or unsupported values.</exception>
    public static ClipTextConfig FromJsonFile(string path)
    {
        return FromJson(ConfigFile.ReadText(path, "CLIP text config"), path);
    }

    /// <summary>Parses the JSON text of a transformers CLIP text config (also accepts a full CLIPConfig's <c>text_config</c>).</summary>
    /// <exception cref="ModelLoadException">invalid JSON or unsupported values.</exception>
    public static ClipTextConfig FromJson(string json, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            if (r.TryGetProperty("text_config", out var tc) && tc.ValueKind == JsonValueKind.Object) r = tc;
            var c = new ClipTextConfig();
            if (Has(r, "vocab_size", out var e)) c = c with { VocabSize = e.GetInt32() };
            if (Has(r, "hidden_size", out e)) c = c with { HiddenSize = e.GetInt32() };
            if (Has(r, "intermediate_size", out e)) c = c with { IntermediateSize = e.GetInt32() };
            if (Has(r, "num_hidden_layers", out e)) c = c with { NumHiddenLayers = e.GetInt32() };
            if (Has(r, "num_attention_heads", out e)) c = c with { NumAttentionHeads = e.GetInt32() };
            if (Has(r, "max_position_embeddings", out e)) c = c with { MaxPositionEmbeddings = e.GetInt32() };
            if (Has(r, "hidden_act", out e)) c = c with { HiddenAct = e.GetString()! };
            if (Has(r, "layer_norm_eps", out e)) c = c with { LayerNormEps = e.GetDouble() };
            if (Has(r, "bos_token_id", out e)) c = c with { BosTokenId = e.GetInt32() };
            if (Has(r, "eos_token_id", out e)) c = c with { EosTokenId = e.GetInt32() };
            if (Has(r, "pad_token_id", out e)) c = c with { PadTokenId = e.GetInt32() };
            c.Validate(source);
            return c;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelLoadException("Invalid CLIP text config: " + ex.Message, source, ex);
        }
    }

    /// <summary>Checks the configuration can be built.</summary>
    /// <exception cref="ModelLoadException">an unsupported or inconsistent value, named in the message.</exception>
    public void Validate(string? source = null)
    {
        if (HiddenSize <= 0 || NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw new ModelLoadException($"hidden_size {HiddenSize} must be a positive multiple of num_attention_heads {NumAttentionHeads}.", source);
        if (VocabSize <= 0 || IntermediateSize <= 0 || NumHiddenLayers <= 0 || MaxPositionEmbeddings <= 0)
            throw new ModelLoadException("vocab_size, intermediate_size, num_hidden_layers and max_position_embeddings must be positive.", source);
        if (HiddenAct is not ("quick_gelu" or "gelu"))
            throw new ModelLoadException($"Unsupported hidden_act '{HiddenAct}' (expected quick_gelu or gelu).", source);
    }

    private static bool Has(JsonElement root, string name, out JsonElement value) =>
        root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
}
