using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>Builds the video U-Net (<see cref="UNetMotionModel"/>) and strictly loads image-U-Net plus motion-adapter weights into it.</summary>
internal static class UnetBuilder
{
    /// <summary>
    /// The diffusers U-Net configuration for an SD1.x single-file checkpoint: structure from the tensors
    /// (<see cref="LdmUnetLayout"/>), heads from <paramref name="options"/> or the yaml (default 8), norm groups from
    /// the options (default 32, what LDM always uses).
    /// </summary>
    /// <param name="layout">Structure read from the checkpoint keys.</param>
    /// <param name="original">The original yaml, when given.</param>
    /// <param name="options">Overrides.</param>
    /// <param name="source">File named in errors.</param>
    public static UNet2DConditionConfig ConfigFromLayout(LdmUnetLayout layout, LdmOriginalConfig? original, ModelLoadOptions options, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        int n = layout.Levels;
        if (original?.UnetBlockOutChannels is { } yamlChannels && !yamlChannels.SequenceEqual(layout.BlockOutChannels))
            throw new ModelLoadException($"The yaml describes U-Net widths [{string.Join(", ", yamlChannels)}] but the checkpoint holds [{string.Join(", ", layout.BlockOutChannels)}].", source);
        if (original?.UnetLayersPerBlock is { } yamlLayers && yamlLayers != layout.LayersPerBlock)
            throw new ModelLoadException($"The yaml says num_res_blocks {yamlLayers} but the checkpoint has {layout.LayersPerBlock}.", source);
        IReadOnlyList<int> heads = options.AttentionHeads is { } h ? Enumerable.Repeat(h, n).ToArray()
            : original?.UnetNumHeads is { } yh ? Enumerable.Repeat(yh, n).ToArray()
            : original?.UnetNumHeadChannels is { } hc ? layout.BlockOutChannels.Select(c => c / hc).ToArray()
            : Enumerable.Repeat(8, n).ToArray();
        var config = new UNet2DConditionConfig
        {
            InChannels = layout.InChannels,
            OutChannels = layout.OutChannels,
            DownBlockTypes = layout.DownHasAttention.Select(a => a ? "CrossAttnDownBlock2D" : "DownBlock2D").ToArray(),
            UpBlockTypes = layout.UpHasAttention.Select(a => a ? "CrossAttnUpBlock2D" : "UpBlock2D").ToArray(),
            BlockOutChannels = layout.BlockOutChannels,
            LayersPerBlock = Enumerable.Repeat(layout.LayersPerBlock, n).ToArray(),
            CrossAttentionDim = Enumerable.Repeat(layout.CrossAttentionDim ?? original?.ContextDim ?? 768, n).ToArray(),
            TransformerLayersPerBlock = Enumerable.Repeat(layout.TransformerLayersPerBlock, n).ToArray(),
            AttentionHeadDim = heads,
            UseLinearProjection = layout.UseLinearProjection,
            NormNumGroups = options.NormNumGroups ?? 32,
        };
        try
        {
            config.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ModelLoadException($"The U-Net configuration derived from the checkpoint is invalid: {ex.Message}", source, ex);
        }
        return config;
    }

    /// <summary>
    /// Builds a <see cref="UNetMotionModel"/> and strictly loads the image-U-Net tensors plus the adapter tensors into it
    /// (their key sets must not overlap). The only tolerated gap: when the adapter came with original AnimateDiff
    /// names, its <c>pos_embed.pe</c> buffers keep the sinusoid the module computed (identical to the dropped copies).
    /// </summary>
    /// <param name="unetConfig">Image U-Net configuration.</param>
    /// <param name="unetTensors">U-Net tensors by diffusers name.</param>
    /// <param name="adapter">Motion adapter weights.</param>
    /// <param name="options">Device and dtype.</param>
    /// <param name="source">Model path named in errors.</param>
    public static UNetMotionModel Build(UNet2DConditionConfig unetConfig, IReadOnlyDictionary<string, Tensor> unetTensors, MotionAdapterWeights adapter,
        ModelLoadOptions options, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(unetConfig);
        ArgumentNullException.ThrowIfNull(unetTensors);
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(options);
        var motionConfig = adapter.Config with { MotionNormNumGroups = unetConfig.NormNumGroups };
        try
        {
            motionConfig.ValidateAgainst(unetConfig);
        }
        catch (ArgumentException ex)
        {
            throw new ModelLoadException($"The motion adapter does not fit the U-Net: {ex.Message}", adapter.Source, ex);
        }
        var combined = new Dictionary<string, Tensor>(unetTensors, StringComparer.Ordinal);
        foreach (var (k, v) in adapter.Tensors)
        {
            if (!combined.TryAdd(k, v))
                throw new ModelLoadException($"The motion adapter and the U-Net both hold '{k}'.", adapter.Source);
        }
        TorchRuntime.EnsureLoaded();
        var model = new UNetMotionModel(unetConfig, motionConfig, options.Device, options.DType);
        try
        {
            var loadOptions = adapter.OriginalNaming
                ? new StateDictLoadOptions { AllowMissing = k => k.Contains(".motion_modules.", StringComparison.Ordinal) && k.EndsWith(".pos_embed.pe", StringComparison.Ordinal) }
                : null;
            StateDictLoader.LoadStrict(model, combined, source, loadOptions);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
