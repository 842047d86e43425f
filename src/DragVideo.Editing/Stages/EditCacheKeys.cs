using System.Globalization;
using DragVideo.Editing.Caching;

namespace DragVideo.Editing.Stages;

/// <summary>The cache keys of one edit: what the LoRA weights and the inverted latent depend on.</summary>
/// <param name="Lora">clip, weights, prompt, motion switch and LoRA options (or "no-lora").</param>
/// <param name="Inversion">the LoRA key plus the LoRA scale and the inversion options.</param>
internal sealed record EditCacheKeys(string Lora, string Inversion)
{
    public static EditCacheKeys For(VideoClip clip, string prompt, string modelIdentity, DragVideoOptions options)
    {
        string baseKey = CacheKey.Combine("dragvideo-v1", CacheKey.OfTensor(clip.Frames), modelIdentity, prompt,
            options.MotionModulesEnabled ? "video" : "per-frame");
        string lora = options.TrainLora ? CacheKey.Combine(baseKey, "lora", CacheKey.OfOptions(options.Lora)) : CacheKey.Combine(baseKey, "no-lora");
        string inversion = CacheKey.Combine(lora, "inversion", options.LoraScale.ToString("R", CultureInfo.InvariantCulture),
            CacheKey.OfOptions(options.Inversion));
        return new EditCacheKeys(lora, inversion);
    }
}
