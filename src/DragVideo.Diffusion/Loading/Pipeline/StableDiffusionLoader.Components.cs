using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Vae;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Diffusion.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

public static partial class StableDiffusionLoader
{
    /// <summary>
    /// Loads a complete model. <paramref name="modelPath"/> is a diffusers pipeline folder (<c>model_index.json</c>,
    /// <c>unet/</c>, <c>vae/</c>, <c>text_encoder/</c>, <c>tokenizer/</c>, <c>scheduler/</c>; fp32 or fp16 safetensors)
    /// or an SD1.x single-file checkpoint (LDM names; <c>.safetensors</c>, or <c>.ckpt</c> with
    /// <see cref="ModelLoadOptions.AllowPickle"/>). The motion adapter comes from
    /// <see cref="ModelLoadOptions.MotionAdapterPath"/> (or <c>motion_adapter/</c> in the folder). Throws
    /// <see cref="ModelLoadException"/> naming the missing folder, file or tensors.
    /// </summary>
    /// <param name="modelPath">Pipeline folder or single-file checkpoint.</param>
    /// <param name="options">Motion adapter, pickle opt-in, dtype, device and single-file settings.</param>
    /// <param name="cancellationToken">Checked between tensors.</param>
    public static StableDiffusionModel Load(string modelPath, ModelLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        options ??= new ModelLoadOptions();
        TorchRuntime.EnsureLoaded();
        var kind = ModelSource.Classify(modelPath);
        string full = Path.GetFullPath(modelPath);
        return kind switch
        {
            ModelSourceKind.DiffusersFolder => LoadDiffusersFolder(full, options, cancellationToken),
            ModelSourceKind.SingleFile => LoadSingleFile(full, options, cancellationToken),
            _ => throw new ModelLoadException(
                "This is a single component folder (config.json); a full model needs a diffusers pipeline folder with model_index.json " +
                "or a single-file checkpoint. Use LoadUnet / LoadVae / LoadTextEncoder for components.", full),
        };
    }

    private static StableDiffusionModel LoadDiffusersFolder(string folder, ModelLoadOptions options, CancellationToken ct)
    {
        // Check every component folder first so a broken model fails fast, naming everything that is missing.
        var missing = new[] { "unet", "vae", "text_encoder", "tokenizer", "scheduler" }
            .Where(c => !Directory.Exists(Path.Combine(folder, c))).ToList();
        if (missing.Count > 0)
            throw new ModelLoadException($"The diffusers model folder lacks the component folder(s): {string.Join(", ", missing.Select(m => m + "/"))}.", folder);
        string unetFolder = Path.Combine(folder, "unet");
        bool motionUnet = ModelSource.ClassNameOf(unetFolder) == "UNetMotionModel";
        string? motion = motionUnet ? null : MotionPathFor(folder, ModelSourceKind.DiffusersFolder, options);

        var tokenizer = ClipTokenizer.FromFolder(Path.Combine(folder, "tokenizer"));
        var scheduler = DdimScheduler.FromPretrained(Path.Combine(folder, "scheduler"));
        UNetMotionModel? unet = null;
        AutoencoderKL? vae = null;
        try
        {
            unet = motion is null ? LoadMotionUnetFolder(unetFolder, options, ct) : LoadUnetFolder(unetFolder, motion, options, ct);
            vae = LoadVae(Path.Combine(folder, "vae"), options, ct);
            var text = LoadTextEncoder(Path.Combine(folder, "text_encoder"), options, ct);
            return new StableDiffusionModel(unet, vae, text, tokenizer, scheduler, folder, ModelSourceKind.DiffusersFolder);
        }
        catch
        {
            unet?.Dispose();
            vae?.Dispose();
            throw;
        }
    }

    private static StableDiffusionModel LoadSingleFile(string path, ModelLoadOptions options, CancellationToken ct)
    {
        string tokenizerFolder = options.TokenizerPath ?? Path.Combine(Path.GetDirectoryName(path)!, "tokenizer");
        if (!Directory.Exists(tokenizerFolder))
            throw new ModelLoadException(
                "A single-file checkpoint holds no tokenizer: set ModelLoadOptions.TokenizerPath to a folder with vocab.json and merges.txt " +
                "(SD1.5's tokenizer/ folder), or put a tokenizer/ folder next to the checkpoint.", path);
        var tokenizer = ClipTokenizer.FromFolder(tokenizerFolder);
        var yaml = options.OriginalConfigPath is { } y ? LdmOriginalConfig.FromFile(y) : null;
        var scheduler = new DdimScheduler(DdimSchedulerConfig.StableDiffusion15 with
        {
            BetaStart = yaml?.BetaStart ?? DdimSchedulerConfig.StableDiffusion15.BetaStart,
            BetaEnd = yaml?.BetaEnd ?? DdimSchedulerConfig.StableDiffusion15.BetaEnd,
            NumTrainTimesteps = yaml?.TrainTimesteps ?? DdimSchedulerConfig.StableDiffusion15.NumTrainTimesteps,
        });

        var checkpoint = ReadSingleFile(path, options, ct);
        UNetMotionModel? unet = null;
        AutoencoderKL? vae = null;
        try
        {
            using var converted = LdmCheckpointConverter.Convert(checkpoint, new LdmConversionOptions { UseEma = options.UseEma }, path);
            if (converted.Map.Unmapped.Count > 0)
                throw new ModelLoadException($"The checkpoint holds {converted.Map.Unmapped.Count} tensor(s) no SD1.x component uses: {string.Join(", ", converted.Map.Unmapped.Take(20))}.",
                    path, null, null, converted.Map.Unmapped);
            if (!converted.Map.Has(LdmComponent.Vae) || !converted.Map.Has(LdmComponent.TextEncoder))
                throw new ModelLoadException($"The checkpoint lacks the {(converted.Map.Has(LdmComponent.Vae) ? "text encoder (cond_stage_model.transformer.*)" : "VAE (first_stage_model.*)")}.", path);
            unet = BuildUnetFromSingleFile(converted, path, options, ct);
            Release(checkpoint, converted.Map, LdmComponent.Unet); // keep the peak near one copy of the weights
            vae = BuildModule(new AutoencoderKL(VaeConfigFromLayout(converted.Map.Vae!, yaml, options, path)), converted.Vae, path, options, null);
            Release(checkpoint, converted.Map, LdmComponent.Vae);
            var text = BuildModule(new ClipTextModel(TextConfigFromTensors(converted.TextEncoder, options, path)), converted.TextEncoder, path, options, ClipOptional);
            return new StableDiffusionModel(unet, vae, text, tokenizer, scheduler, path, ModelSourceKind.SingleFile);
        }
        catch
        {
            unet?.Dispose();
            vae?.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in checkpoint.Values) t.Dispose();
        }
    }

    private static void Release(Dictionary<string, Tensor> checkpoint, LdmKeyMap map, LdmComponent component)
    {
        foreach (var m in map.Of(component)) checkpoint[m.Source].Dispose(); // disposing twice later is harmless
    }

    private static readonly StateDictLoadOptions ClipOptional = new()
    {
        IgnoreUnexpected = k => ClipTextModel.OptionalStateDictKeys.Contains(k),
    };

    /// <summary>Loads a diffusers AutoencoderKL folder (<c>config.json</c> + weights) strictly.</summary>
    /// <param name="folder">The <c>vae/</c> folder.</param>
    /// <param name="options">Dtype, device, pickle opt-in, variant.</param>
    /// <param name="cancellationToken">Checked between tensors.</param>
    public static AutoencoderKL LoadVae(string folder, ModelLoadOptions? options = null, CancellationToken cancellationToken = default)
        => LoadFolder(folder, options, cancellationToken, AutoencoderKLConfig.FromJsonFile, config => new AutoencoderKL(config), null);

    /// <summary>Loads a transformers CLIPTextModel folder (<c>config.json</c> + weights) strictly; <c>position_ids</c> may be present or absent.</summary>
    /// <param name="folder">The <c>text_encoder/</c> folder.</param>
    /// <param name="options">Dtype, device, pickle opt-in, variant.</param>
    /// <param name="cancellationToken">Checked between tensors.</param>
    public static ClipTextModel LoadTextEncoder(string folder, ModelLoadOptions? options = null, CancellationToken cancellationToken = default)
        => LoadFolder(folder, options, cancellationToken, ClipTextConfig.FromJsonFile, config => new ClipTextModel(config), ClipOptional);

    /// <summary>
    /// Reads a component folder's <c>config.json</c> and weight file, then builds the module and strictly loads the
    /// weights into it (the weights read are disposed after the copy). The config is checked before any weight is read.
    /// </summary>
    private static T LoadFolder<TConfig, T>(string folder, ModelLoadOptions? options, CancellationToken cancellationToken,
        Func<string, TConfig> readConfig, Func<TConfig, T> build, StateDictLoadOptions? load) where T : nn.Module
    {
        options ??= new ModelLoadOptions();
        TorchRuntime.EnsureLoaded();
        var config = readConfig(Path.Combine(folder, "config.json"));
        var file = WeightFiles.Find(folder, options.Variant);
        var weights = CheckpointReader.Load(file, options.ReadOptions, cancellationToken);
        try
        {
            return BuildModule(build(config), weights, file, options, load);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    private static T BuildModule<T>(T module, IReadOnlyDictionary<string, Tensor> weights, string source, ModelLoadOptions options, StateDictLoadOptions? load)
        where T : nn.Module
    {
        try
        {
            StateDictLoader.LoadStrict(module, weights, source, load);
            if (options.DType != ScalarType.Float32) module.to(options.DType);
            if (options.Device is { } d) module.to(d);
            module.eval();
            return module;
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    /// <summary>The diffusers VAE configuration for an LDM checkpoint: structure from the tensors, scale factor from the yaml.</summary>
    /// <param name="layout">Structure read from the keys.</param>
    /// <param name="original">Original yaml, when given.</param>
    /// <param name="options">Norm groups.</param>
    /// <param name="source">File named in errors.</param>
    public static AutoencoderKLConfig VaeConfigFromLayout(LdmVaeLayout layout, LdmOriginalConfig? original, ModelLoadOptions options, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        if (original?.VaeBlockOutChannels is { } yamlChannels && !yamlChannels.SequenceEqual(layout.BlockOutChannels))
            throw new ModelLoadException($"The yaml describes VAE widths [{string.Join(", ", yamlChannels)}] but the checkpoint holds [{string.Join(", ", layout.BlockOutChannels)}].", source);
        var config = AutoencoderKLConfig.StableDiffusion15 with
        {
            InChannels = layout.InChannels,
            OutChannels = layout.OutChannels,
            BlockOutChannels = layout.BlockOutChannels,
            DownBlockTypes = Enumerable.Repeat("DownEncoderBlock2D", layout.Levels).ToArray(),
            UpBlockTypes = Enumerable.Repeat("UpDecoderBlock2D", layout.Levels).ToArray(),
            LayersPerBlock = layout.LayersPerBlock,
            LatentChannels = layout.LatentChannels,
            NormNumGroups = options.NormNumGroups ?? 32,
            ScalingFactor = original?.ScaleFactor ?? AutoencoderKLConfig.StableDiffusion15.ScalingFactor,
        };
        config.Validate(source);
        return config;
    }

    /// <summary>
    /// The CLIP text configuration for an LDM checkpoint's text encoder: sizes from the tensors, everything else from
    /// <see cref="ModelLoadOptions.TextEncoderConfig"/> (default SD1.5's).
    /// </summary>
    /// <param name="tensors">Text-encoder tensors by transformers name.</param>
    /// <param name="options">The base text configuration.</param>
    /// <param name="source">File named in errors.</param>
    public static ClipTextConfig TextConfigFromTensors(IReadOnlyDictionary<string, Tensor> tensors, ModelLoadOptions options, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(options);
        long[] Shape(string key) => tensors.TryGetValue(key, out var t) ? t.shape
            : throw new ModelLoadException($"The text encoder lacks '{key}'.", source, missingKeys: new[] { key });
        var token = Shape("text_model.embeddings.token_embedding.weight");
        var position = Shape("text_model.embeddings.position_embedding.weight");
        var fc1 = Shape("text_model.encoder.layers.0.mlp.fc1.weight");
        int layers = 0;
        while (tensors.ContainsKey($"text_model.encoder.layers.{layers}.mlp.fc1.weight")) layers++;
        var config = (options.TextEncoderConfig ?? ClipTextConfig.StableDiffusion15) with
        {
            VocabSize = (int)token[0],
            HiddenSize = (int)token[1],
            MaxPositionEmbeddings = (int)position[0],
            IntermediateSize = (int)fc1[0],
            NumHiddenLayers = layers,
        };
        try
        {
            config.Validate(source);
        }
        catch (ModelLoadException ex)
        {
            throw new ModelLoadException(
                $"{ex.Message.Replace($" ({source})", "", StringComparison.Ordinal)} The head count and token ids of a single-file text encoder come from " +
                "ModelLoadOptions.TextEncoderConfig (CLI: --text-config); the default is SD1.5's (12 heads).", source, ex);
        }
        return config;
    }
}
