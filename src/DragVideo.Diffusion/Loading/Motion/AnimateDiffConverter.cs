using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>Structure of a motion adapter read from its keys and shapes.</summary>
/// <param name="BlockOutChannels">Channels of the down levels' motion modules (SD1.5: 320, 640, 1280, 1280).</param>
/// <param name="MotionLayersPerBlock">Motion modules per down level (2; up levels have one more).</param>
/// <param name="UseMidBlock">Whether a mid-block motion module is present (v2/v3 checkpoints).</param>
/// <param name="MaxSequenceLength">Length of the stored positional encoding (24 for v1, 32 for v2/v3), or null when absent.</param>
public sealed record MotionAdapterLayout(IReadOnlyList<int> BlockOutChannels, int MotionLayersPerBlock, bool UseMidBlock, int? MaxSequenceLength);

/// <summary>The result of converting original AnimateDiff names to diffusers MotionAdapter names.</summary>
/// <param name="Tensors">Tensors by diffusers MotionAdapter name (the input's tensor objects, not copies).</param>
/// <param name="DroppedPositionalEncodings">The original <c>pos_encoder.pe</c> keys, accepted and dropped (the adapter computes its own sinusoid).</param>
/// <param name="Layout">Structure read from the keys.</param>
public sealed record AnimateDiffConversion(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyList<string> DroppedPositionalEncodings, MotionAdapterLayout Layout);

/// <summary>
/// Maps original AnimateDiff motion-module names (<c>mm_sd_v15*.ckpt</c>, <c>v3_sd15_mm.ckpt</c>) to diffusers
/// <c>MotionAdapter</c> names, the rename of diffusers' <c>convert_animatediff_motion_module_to_diffusers.py</c>:
/// <c>.temporal_transformer</c> removed; <c>.norms.0/.norms.1/.ff_norm</c> → <c>.norm1/.norm2/.norm3</c>;
/// <c>.attention_blocks.0/1</c> → <c>.attn1/.attn2</c>; block and module indices unchanged. The per-attention
/// <c>pos_encoder.pe</c> buffers are dropped: they equal the sinusoid the adapter builds itself (diffusers' own
/// <c>pos_embed.pe</c>, bit-identical in the fixtures).
/// </summary>
public static class AnimateDiffConverter
{
    /// <summary>True when the keys use original AnimateDiff naming (rather than diffusers').</summary>
    /// <param name="keys">Checkpoint keys.</param>
    public static bool IsOriginalNaming(IEnumerable<string> keys) =>
        keys.Any(k => k.Contains(".temporal_transformer.", StringComparison.Ordinal) || k.Contains(".attention_blocks.", StringComparison.Ordinal));

    /// <summary>The diffusers name of one original key, or null for a dropped positional encoding.</summary>
    /// <param name="key">Original AnimateDiff key.</param>
    public static string? MapKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Contains("pos_encoder", StringComparison.Ordinal)) return null;
        return key.Replace(".norms.0", ".norm1", StringComparison.Ordinal)
            .Replace(".norms.1", ".norm2", StringComparison.Ordinal)
            .Replace(".ff_norm", ".norm3", StringComparison.Ordinal)
            .Replace(".attention_blocks.0", ".attn1", StringComparison.Ordinal)
            .Replace(".attention_blocks.1", ".attn2", StringComparison.Ordinal)
            .Replace(".temporal_transformer", "", StringComparison.Ordinal);
    }

    /// <summary>
    /// Renames a motion-module state dict (original or already-diffusers naming; the latter passes through) and reads
    /// its layout. Throws <see cref="ModelLoadException"/> when the keys hold no motion modules or two keys collide.
    /// </summary>
    /// <param name="stateDict">The motion-module tensors.</param>
    /// <param name="source">File named in errors.</param>
    public static AnimateDiffConversion Convert(IReadOnlyDictionary<string, Tensor> stateDict, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var dropped = new List<string>();
        int? maxLen = null;
        foreach (var (key, t) in stateDict)
        {
            var target = MapKey(key);
            if (target is null)
            {
                dropped.Add(key);
                if (t.dim() == 3) maxLen ??= (int)t.shape[1];
                continue;
            }
            if (!result.TryAdd(target, t))
                throw new ModelLoadException($"Two motion-module keys map to '{target}'.", source);
            if (target.EndsWith(".pos_embed.pe", StringComparison.Ordinal) && t.dim() == 3) maxLen ??= (int)t.shape[1];
        }
        return new AnimateDiffConversion(result, dropped, ReadLayout(result.ToDictionary(kv => kv.Key, kv => kv.Value.shape), maxLen, source));
    }

    /// <summary>Reads the adapter layout from diffusers-named keys and shapes.</summary>
    /// <param name="shapes">Diffusers MotionAdapter key → shape.</param>
    /// <param name="maxSequenceLength">Positional-encoding length when known.</param>
    /// <param name="source">File named in errors.</param>
    public static MotionAdapterLayout ReadLayout(IReadOnlyDictionary<string, long[]> shapes, int? maxSequenceLength = null, string? source = null)
    {
        var channels = new List<int>();
        for (int i = 0; ; i++)
        {
            if (!shapes.TryGetValue($"down_blocks.{i}.motion_modules.0.proj_in.weight", out var s)) break;
            channels.Add((int)s[0]);
        }
        if (channels.Count == 0)
            throw new ModelLoadException("No motion modules found (expected keys like 'down_blocks.0.motion_modules.0.proj_in.weight').", source);
        int layers = 0;
        while (shapes.ContainsKey($"down_blocks.0.motion_modules.{layers}.proj_in.weight")) layers++;
        bool mid = shapes.Keys.Any(k => k.StartsWith("mid_block.motion_modules.", StringComparison.Ordinal));
        if (maxSequenceLength is null)
        {
            var pe = shapes.FirstOrDefault(kv => kv.Key.EndsWith(".pos_embed.pe", StringComparison.Ordinal));
            if (pe.Value is { Length: 3 }) maxSequenceLength = (int)pe.Value[1];
        }
        return new MotionAdapterLayout(channels, layers, mid, maxSequenceLength);
    }
}
