using DragVideo.Diffusion.Modules.Common;
using System.Text.Json;

namespace DragVideo.Diffusion.Modules.Vae;

/// <summary>
/// Configuration of <see cref="AutoencoderKL"/>, mirroring diffusers' <c>AutoencoderKL</c> <c>config.json</c> (v0.25.1).
/// Defaults are diffusers' constructor defaults; <see cref="StableDiffusion15"/> is SD1.5's <c>vae/config.json</c>.
/// </summary>
public sealed record AutoencoderKLConfig
{
    /// <summary>Image channels in (3).</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Image channels out (3).</summary>
    public int OutChannels { get; init; } = 3;

    /// <summary>Encoder block types; only <c>DownEncoderBlock2D</c> is defined.</summary>
    public IReadOnlyList<string> DownBlockTypes { get; init; } = new[] { "DownEncoderBlock2D" };

    /// <summary>Decoder block types; only <c>UpDecoderBlock2D</c> is defined.</summary>
    public IReadOnlyList<string> UpBlockTypes { get; init; } = new[] { "UpDecoderBlock2D" };

    /// <summary>Channels per level (SD1.5: 128, 256, 512, 512).</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = new[] { 64 };

    /// <summary>Resnets per encoder level (the decoder uses one more).</summary>
    public int LayersPerBlock { get; init; } = 1;

    /// <summary>Activation; only <c>silu</c> is used by Stable Diffusion VAEs.</summary>
    public string ActFn { get; init; } = "silu";

    /// <summary>Latent channels (4).</summary>
    public int LatentChannels { get; init; } = 4;

    /// <summary>GroupNorm groups (32).</summary>
    public int NormNumGroups { get; init; } = 32;

    /// <summary>Nominal image size (informational).</summary>
    public int SampleSize { get; init; } = 32;

    /// <summary>Latent scaling factor applied by pipelines (SD1.5: 0.18215).</summary>
    public double ScalingFactor { get; init; } = 0.18215;

    /// <summary>Whether the 1×1 <c>quant_conv</c> exists (newer diffusers key; true for SD).</summary>
    public bool UseQuantConv { get; init; } = true;

    /// <summary>Whether the 1×1 <c>post_quant_conv</c> exists (newer diffusers key; true for SD).</summary>
    public bool UsePostQuantConv { get; init; } = true;

    /// <summary>Whether the mid blocks have their self-attention (newer diffusers key; true for SD).</summary>
    public bool MidBlockAddAttention { get; init; } = true;

    /// <summary>Spatial down-sampling factor between image and latent: 2^(levels − 1) (SD1.5: 8).</summary>
    public int DownsampleFactor => 1 << (BlockOutChannels.Count - 1);

    /// <summary>Stable Diffusion 1.5's VAE.</summary>
    public static AutoencoderKLConfig StableDiffusion15 { get; } = new()
    {
        DownBlockTypes = Enumerable.Repeat("DownEncoderBlock2D", 4).ToArray(),
        UpBlockTypes = Enumerable.Repeat("UpDecoderBlock2D", 4).ToArray(),
        BlockOutChannels = new[] { 128, 256, 512, 512 },
        LayersPerBlock = 2,
        NormNumGroups = 32,
        SampleSize = 512,
    };

    /// <summary>Reads a diffusers VAE <c>config.json</c>; unknown keys are ignored.</summary>
    /// <exception cref="ModelLoadException">missing file, invalid JSON or unsupported values.</exception>
    public static AutoencoderKLConfig FromJsonFile(string path)
    {
        return FromJson(ConfigFile.ReadText(path, "VAE config"), path);
    }

    /// <summary>Parses the JSON text of a diffusers VAE config.</summary>
    /// <exception cref="ModelLoadException">invalid JSON or unsupported values.</exception>
    public static AutoencoderKLConfig FromJson(string json, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            var c = new AutoencoderKLConfig();
            if (Has(r, "in_channels", out var e)) c = c with { InChannels = e.GetInt32() };
            if (Has(r, "out_channels", out e)) c = c with { OutChannels = e.GetInt32() };
            if (Has(r, "down_block_types", out e)) c = c with { DownBlockTypes = e.EnumerateArray().Select(x => x.GetString()!).ToArray() };
            if (Has(r, "up_block_types", out e)) c = c with { UpBlockTypes = e.EnumerateArray().Select(x => x.GetString()!).ToArray() };
            if (Has(r, "block_out_channels", out e)) c = c with { BlockOutChannels = e.EnumerateArray().Select(x => x.GetInt32()).ToArray() };
            if (Has(r, "layers_per_block", out e)) c = c with { LayersPerBlock = e.GetInt32() };
            if (Has(r, "act_fn", out e)) c = c with { ActFn = e.GetString()! };
            if (Has(r, "latent_channels", out e)) c = c with { LatentChannels = e.GetInt32() };
            if (Has(r, "norm_num_groups", out e)) c = c with { NormNumGroups = e.GetInt32() };
            if (Has(r, "sample_size", out e) && e.ValueKind == JsonValueKind.Number) c = c with { SampleSize = e.GetInt32() };
            if (Has(r, "scaling_factor", out e)) c = c with { ScalingFactor = e.GetDouble() };
            if (Has(r, "use_quant_conv", out e)) c = c with { UseQuantConv = e.GetBoolean() };
            if (Has(r, "use_post_quant_conv", out e)) c = c with { UsePostQuantConv = e.GetBoolean() };
            if (Has(r, "mid_block_add_attention", out e)) c = c with { MidBlockAddAttention = e.GetBoolean() };
            c.Validate(source);
            return c;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelLoadException("Invalid VAE config: " + ex.Message, source, ex);
        }
    }

    /// <summary>Checks that the configuration describes a VAE this implementation can build.</summary>
    /// <exception cref="ModelLoadException">an unsupported or inconsistent value, named in the message.</exception>
    public void Validate(string? source = null)
    {
        if (BlockOutChannels.Count == 0) throw new ModelLoadException("block_out_channels must not be empty.", source);
        if (DownBlockTypes.Count != BlockOutChannels.Count || UpBlockTypes.Count != BlockOutChannels.Count)
            throw new ModelLoadException($"down_block_types ({DownBlockTypes.Count}) and up_block_types ({UpBlockTypes.Count}) must have one entry per block_out_channels ({BlockOutChannels.Count}).", source);
        foreach (var t in DownBlockTypes)
            if (t != "DownEncoderBlock2D") throw new ModelLoadException($"Unsupported VAE down block '{t}' (only DownEncoderBlock2D).", source);
        foreach (var t in UpBlockTypes)
            if (t != "UpDecoderBlock2D") throw new ModelLoadException($"Unsupported VAE up block '{t}' (only UpDecoderBlock2D).", source);
        if (ActFn is not ("silu" or "swish")) throw new ModelLoadException($"Unsupported act_fn '{ActFn}' (only silu).", source);
        foreach (int ch in BlockOutChannels)
            if (ch <= 0 || ch % NormNumGroups != 0)
                throw new ModelLoadException($"block_out_channels value {ch} is not a positive multiple of norm_num_groups {NormNumGroups}.", source);
        if (LayersPerBlock < 1 || LatentChannels < 1 || InChannels < 1 || OutChannels < 1)
            throw new ModelLoadException("layers_per_block, latent_channels, in_channels and out_channels must be ≥ 1.", source);
    }

    private static bool Has(JsonElement root, string name, out JsonElement value) =>
        root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
}
