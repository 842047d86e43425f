using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// The front door for Stable Diffusion 1.x + AnimateDiff weights: a diffusers pipeline folder (fp32 or fp16
/// safetensors), or an SD1.x single-file checkpoint with original LDM names, plus a motion adapter (diffusers folder
/// or original AnimateDiff file). Every component is loaded strictly: a missing, unexpected or mis-shaped tensor
/// raises <see cref="ModelLoadException"/> naming it.
/// </summary>
public static partial class StableDiffusionLoader
{
    /// <summary>
    /// Loads only the video U-Net (image U-Net + motion adapter) from a diffusers pipeline folder (its <c>unet/</c>),
    /// a U-Net component folder, or a single-file checkpoint.
    /// </summary>
    /// <param name="modelPath">Pipeline folder, U-Net folder or single-file checkpoint.</param>
    /// <param name="options">Motion adapter location, pickle opt-in, dtype, device, single-file settings.</param>
    /// <param name="cancellationToken">Checked between tensors.</param>
    public static UNetMotionModel LoadUnet(string modelPath, ModelLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ModelLoadOptions();
        TorchRuntime.EnsureLoaded();
        var kind = ModelSource.Classify(modelPath);
        string full = Path.GetFullPath(modelPath);
        if (kind == ModelSourceKind.SingleFile)
        {
            var checkpoint = ReadSingleFile(full, options, cancellationToken);
            try
            {
                using var converted = LdmCheckpointConverter.Convert(checkpoint, new LdmConversionOptions { UseEma = options.UseEma }, full);
                return BuildUnetFromSingleFile(converted, full, options, cancellationToken);
            }
            finally
            {
                foreach (var t in checkpoint.Values) t.Dispose();
            }
        }
        string unetFolder = kind == ModelSourceKind.DiffusersFolder ? RequireComponent(full, "unet") : full;
        string? cls = ModelSource.ClassNameOf(unetFolder);
        if (cls == "UNetMotionModel") return LoadMotionUnetFolder(unetFolder, options, cancellationToken);
        if (cls is not null && cls != "UNet2DConditionModel")
            throw new ModelLoadException($"The folder holds a {cls}, not a U-Net (UNet2DConditionModel or UNetMotionModel).", unetFolder);
        return LoadUnetFolder(unetFolder, MotionPathFor(full, kind, options), options, cancellationToken);
    }

    /// <summary>
    /// A U-Net folder saved from diffusers' <c>UNetMotionModel</c> (AnimateDiff pipelines): one config with both the
    /// U-Net and the motion settings, one weight file with both key sets.
    /// </summary>
    internal static UNetMotionModel LoadMotionUnetFolder(string folder, ModelLoadOptions options, CancellationToken ct)
    {
        var (config, adapter, weights) = ReadMotionUnetFolder(folder, options, ct);
        try
        {
            using (adapter)
                return UnetBuilder.Build(config, weights, adapter, options, folder);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    internal static (UNet2DConditionConfig Config, MotionAdapterWeights Adapter, Dictionary<string, Tensor> UnetWeights) ReadMotionUnetFolder(
        string folder, ModelLoadOptions options, CancellationToken ct)
    {
        string configPath = Path.Combine(folder, "config.json");
        var config = UNet2DConditionConfig.FromJsonFile(configPath);
        var motionConfig = MotionAdapterConfig.FromJsonFile(configPath) with
        {
            MotionLayersPerBlock = config.LayersPerBlock[0],
            MotionNormNumGroups = config.NormNumGroups,
        };
        var file = WeightFiles.Find(folder, options.Variant);
        var all = CheckpointReader.Load(file, options.ReadOptions, ct);
        var motion = all.Where(kv => kv.Key.Contains(".motion_modules.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var k in motion.Keys) all.Remove(k);
        return (config, new MotionAdapterWeights(file, motionConfig, motion, Array.Empty<string>(), false), all);
    }

    internal static Dictionary<string, Tensor> ReadSingleFile(string path, ModelLoadOptions options, CancellationToken ct)
    {
        var checkpoint = CheckpointReader.Load(path, options.ReadOptions, ct);
        if (!LdmKeyMapper.LooksLikeLdm(checkpoint.Keys))
        {
            foreach (var t in checkpoint.Values) t.Dispose();
            throw new ModelLoadException(
                $"The file is not an SD1.x single-file checkpoint: no '{LdmKeyMapper.UnetPrefix}*' tensors. (A motion module goes in ModelLoadOptions.MotionAdapterPath; a diffusers U-Net needs its folder with config.json.)",
                path);
        }
        return checkpoint;
    }

    internal static UNetMotionModel BuildUnetFromSingleFile(LdmConvertedCheckpoint converted, string path, ModelLoadOptions options, CancellationToken ct)
    {
        var yaml = options.OriginalConfigPath is { } y ? LdmOriginalConfig.FromFile(y) : null;
        var config = UnetBuilder.ConfigFromLayout(converted.Map.Unet!, yaml, options, path);
        string motionPath = options.MotionAdapterPath
                            ?? throw new ModelLoadException("A single-file checkpoint holds no motion modules: set ModelLoadOptions.MotionAdapterPath to an AnimateDiff motion module (file or diffusers folder).", path);
        using var adapter = MotionAdapterLoader.Read(motionPath, options, config.NormNumGroups, ct);
        return UnetBuilder.Build(config, converted.Unet, adapter, options, path);
    }

    internal static UNetMotionModel LoadUnetFolder(string unetFolder, string motionPath, ModelLoadOptions options, CancellationToken ct)
    {
        var config = UNet2DConditionConfig.FromJsonFile(Path.Combine(unetFolder, "config.json"));
        var weights = CheckpointReader.Load(WeightFiles.Find(unetFolder, options.Variant), options.ReadOptions, ct);
        try
        {
            using var adapter = MotionAdapterLoader.Read(motionPath, options, config.NormNumGroups, ct);
            return UnetBuilder.Build(config, weights, adapter, options, unetFolder);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    internal static string MotionPathFor(string modelPath, ModelSourceKind kind, ModelLoadOptions options)
    {
        if (options.MotionAdapterPath is { } p) return p;
        if (kind == ModelSourceKind.DiffusersFolder && Directory.Exists(Path.Combine(modelPath, "motion_adapter")))
            return Path.Combine(modelPath, "motion_adapter");
        throw new ModelLoadException(
            "No motion adapter: DragVideo runs on AnimateDiff, so set ModelLoadOptions.MotionAdapterPath to a diffusers MotionAdapter folder " +
            "or an original AnimateDiff file (e.g. mm_sd_v15_v2.ckpt), or put a motion_adapter/ folder in the model folder.", modelPath);
    }

    internal static string RequireComponent(string folder, string component)
    {
        string path = Path.Combine(folder, component);
        if (!Directory.Exists(path))
            throw new ModelLoadException($"The diffusers model folder has no '{component}/' component folder.", folder);
        return path;
    }
}
