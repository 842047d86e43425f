using System.Text.Json;
using DragVideo.Diffusion.Modules.Common;

namespace DragVideo.Diffusion.Modules.Motion;

/// <summary>
/// The configuration of a diffusers <c>MotionAdapter</c> (AnimateDiff motion modules, its <c>config.json</c>).
/// Defaults are diffusers' and those of AnimateDiff <c>mm_sd_v15_v2</c> (guoyww/animatediff-motion-adapter-v1-5-2).
/// </summary>
public sealed record MotionAdapterConfig
{
    /// <summary>U-Net widths the adapter was trained for (<c>block_out_channels</c>, SD1.5: 320, 640, 1280, 1280).</summary>
    public IReadOnlyList<int> BlockOutChannels { get; init; } = new[] { 320, 640, 1280, 1280 };
    /// <summary>Motion modules per down block (<c>motion_layers_per_block</c>, 2; up blocks have one more).</summary>
    public int MotionLayersPerBlock { get; init; } = 2;
    /// <summary>Motion modules in the mid block (<c>motion_mid_block_layers_per_block</c>, 1).</summary>
    public int MotionMidBlockLayersPerBlock { get; init; } = 1;
    /// <summary>Temporal attention heads (<c>motion_num_attention_heads</c>, 8).</summary>
    public int MotionNumAttentionHeads { get; init; } = 8;
    /// <summary>GroupNorm groups the adapter declares (<c>motion_norm_num_groups</c>, 32). diffusers' UNetMotionModel
    /// ignores it and uses the U-Net's <c>norm_num_groups</c> (32 in the up blocks without attention).</summary>
    public int MotionNormNumGroups { get; init; } = 32;
    /// <summary>Longest clip in frames the position table covers (<c>motion_max_seq_length</c>; v2: 32, v1: 24).</summary>
    public int MotionMaxSeqLength { get; init; } = 32;
    /// <summary>Whether the mid block has a motion module (<c>use_motion_mid_block</c>; v2: true, v1: false).</summary>
    public bool UseMotionMidBlock { get; init; } = true;

    /// <summary>AnimateDiff v2 for SD1.5 (<c>mm_sd_v15_v2</c>): 8 heads, 32 frames, mid-block motion module.</summary>
    public static MotionAdapterConfig AnimateDiffSd15 { get; } = new();

    /// <summary>AnimateDiff v1 for SD1.5 (<c>mm_sd_v14</c> / <c>mm_sd_v15</c>): 24 frames, no mid-block motion module.</summary>
    public static MotionAdapterConfig AnimateDiffSd15V1 { get; } = new() { MotionMaxSeqLength = 24, UseMotionMidBlock = false };

    /// <summary>Checks the adapter fits <paramref name="unet"/>; throws <see cref="ArgumentException"/> naming the key.</summary>
    public void ValidateAgainst(Unet.UNet2DConditionConfig unet)
    {
        ArgumentNullException.ThrowIfNull(unet);
        if (!BlockOutChannels.SequenceEqual(unet.BlockOutChannels))
            throw new ArgumentException($"Motion adapter block_out_channels [{string.Join(", ", BlockOutChannels)}] do not match the U-Net's [{string.Join(", ", unet.BlockOutChannels)}].", "block_out_channels");
        if (unet.LayersPerBlock.Any(l => l != MotionLayersPerBlock))
            throw new ArgumentException($"motion_layers_per_block {MotionLayersPerBlock} must equal the U-Net's layers_per_block [{string.Join(", ", unet.LayersPerBlock)}].", "motion_layers_per_block");
        if (MotionMidBlockLayersPerBlock != 1)
            throw new ArgumentException("diffusers' UNetMotionModel builds one mid-block motion module; motion_mid_block_layers_per_block must be 1.", "motion_mid_block_layers_per_block");
        if (MotionNumAttentionHeads <= 0 || BlockOutChannels.Any(c => c % MotionNumAttentionHeads != 0))
            throw new ArgumentException($"Block widths are not divisible by motion_num_attention_heads {MotionNumAttentionHeads}.", "motion_num_attention_heads");
        if (MotionMaxSeqLength <= 0)
            throw new ArgumentException("motion_max_seq_length must be positive.", "motion_max_seq_length");
    }

    /// <summary>Reads a diffusers MotionAdapter <c>config.json</c>.</summary>
    /// <exception cref="ModelLoadException">the file is missing or invalid.</exception>
    public static MotionAdapterConfig FromJsonFile(string path)
    {
        return FromJson(ConfigFile.ReadText(path, "motion adapter config.json"), path);
    }

    /// <summary>Parses MotionAdapter <c>config.json</c> text; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="ModelLoadException">not JSON or wrong types.</exception>
    public static MotionAdapterConfig FromJson(string json, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = new ConfigReader(doc.RootElement);
            var d = AnimateDiffSd15;
            return new MotionAdapterConfig
            {
                BlockOutChannels = r.IntList("block_out_channels") ?? d.BlockOutChannels,
                MotionLayersPerBlock = r.Int("motion_layers_per_block", d.MotionLayersPerBlock),
                MotionMidBlockLayersPerBlock = r.Int("motion_mid_block_layers_per_block", d.MotionMidBlockLayersPerBlock),
                MotionNumAttentionHeads = r.Int("motion_num_attention_heads", d.MotionNumAttentionHeads),
                MotionNormNumGroups = r.Int("motion_norm_num_groups", d.MotionNormNumGroups),
                MotionMaxSeqLength = r.Int("motion_max_seq_length", d.MotionMaxSeqLength),
                UseMotionMidBlock = r.Bool("use_motion_mid_block", d.UseMotionMidBlock),
            };
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw new ModelLoadException($"Invalid motion adapter config: {ex.Message}", source, ex);
        }
    }
}
