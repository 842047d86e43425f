using DragVideo.Diffusion.Modules.Unet;

namespace DragVideo.Benchmarks;

/// <summary>The U-Net configuration every quick-mode section measures: SD1.5 widths, or a narrow one for smoke runs.</summary>
internal static class BenchmarkUnet
{
    /// <summary>SD1.5's configuration, or a 64/128/256/256-wide variant (cross-attention 128) with <c>--small</c>.</summary>
    public static UNet2DConditionConfig Config(bool sd15Width) => sd15Width
        ? UNet2DConditionConfig.StableDiffusion15
        : UNet2DConditionConfig.StableDiffusion15 with
        {
            BlockOutChannels = new[] { 64, 128, 256, 256 },
            AttentionHeadDim = new[] { 4, 4, 4, 4 },
            CrossAttentionDim = new[] { 128, 128, 128, 128 },
        };

    /// <summary>Label used in row names.</summary>
    public static string Label(bool sd15Width) => sd15Width ? "SD1.5 width" : "small width";
}
