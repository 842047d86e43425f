using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Diffusion.Modules.Vae;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Diffusion.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// Loads every component of a model folder or file and reports, per component, the stored dtypes, the built module's
/// dtype and parameter count, and every missing, unexpected or mis-shaped key — without stopping at the first problem.
/// What <c>dragvideo models check</c> prints.
/// </summary>
public static class ModelChecker
{
    /// <summary>
    /// Checks <paramref name="path"/>: a diffusers pipeline folder, a component folder (U-Net, VAE, CLIP text encoder,
    /// motion adapter), an SD1.x single-file checkpoint, or an AnimateDiff motion-module file. Never throws for model
    /// problems; they are in the report.
    /// </summary>
    /// <param name="path">Folder or file.</param>
    /// <param name="options">Motion adapter, pickle opt-in and single-file settings, as for <see cref="StableDiffusionLoader"/>.</param>
    /// <param name="cancellationToken">Checked between components and tensors.</param>
    public static ModelCheckReport Check(string path, ModelLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new ModelLoadOptions();
        string full = System.IO.Path.GetFullPath(path);
        ModelSourceKind kind;
        try
        {
            kind = ModelSource.Classify(full);
            TorchRuntime.EnsureLoaded();
        }
        catch (DragVideoException ex)
        {
            return new ModelCheckReport(full, null, new[] { ComponentCheck.Failed("model", full, ex) });
        }
        IReadOnlyList<ComponentCheck> components = kind switch
        {
            ModelSourceKind.DiffusersFolder => CheckDiffusersFolder(full, options, cancellationToken),
            ModelSourceKind.ComponentFolder => new[] { CheckComponentFolder(full, options, cancellationToken) },
            _ => CheckFile(full, options, cancellationToken),
        };
        return new ModelCheckReport(full, kind, components);
    }

    private static List<ComponentCheck> CheckDiffusersFolder(string folder, ModelLoadOptions options, CancellationToken ct)
    {
        var list = new List<ComponentCheck>();
        string? motion = null;
        try
        {
            if (ModelSource.ClassNameOf(System.IO.Path.Combine(folder, "unet")) != "UNetMotionModel")
                motion = StableDiffusionLoader.MotionPathFor(folder, ModelSourceKind.DiffusersFolder, options);
        }
        catch (ModelLoadException ex)
        {
            list.Add(ComponentCheck.Failed("motion_adapter", folder, ex));
        }
        list.Add(Guard("unet", System.IO.Path.Combine(folder, "unet"), p => CheckUnetFolder(p, motion, options, ct)));
        list.Add(Guard("vae", System.IO.Path.Combine(folder, "vae"), p => CheckVaeFolder(p, options, ct)));
        list.Add(Guard("text_encoder", System.IO.Path.Combine(folder, "text_encoder"), p => CheckTextFolder(p, options, ct)));
        list.Add(Guard("tokenizer", System.IO.Path.Combine(folder, "tokenizer"), p =>
        {
            var tok = ClipTokenizer.FromFolder(p);
            return Info("tokenizer", p, $"vocabulary {tok.VocabularySize}, bos {tok.BosTokenId}, eos {tok.EosTokenId}");
        }));
        list.Add(Guard("scheduler", System.IO.Path.Combine(folder, "scheduler"), p =>
        {
            var s = DdimScheduler.FromPretrained(p);
            return Info("scheduler", p, $"DDIM, {s.TrainTimesteps} train steps, betas {s.Config.BetaStart}..{s.Config.BetaEnd} {s.Config.BetaSchedule}");
        }));
        return list;
    }

    private static ComponentCheck CheckComponentFolder(string folder, ModelLoadOptions options, CancellationToken ct)
    {
        string? cls;
        try
        {
            cls = ModelSource.ClassNameOf(folder);
        }
        catch (ModelLoadException ex)
        {
            return ComponentCheck.Failed("component", folder, ex);
        }
        return cls switch
        {
            "UNet2DConditionModel" => Guard("unet", folder, p => CheckUnetFolder(p, options.MotionAdapterPath, options, ct)),
            "UNetMotionModel" => Guard("unet", folder, p => CheckMotionUnetFolder(p, options, ct)),
            "MotionAdapter" => Guard("motion_adapter", folder, p => CheckMotionAdapter(p, options, ct)),
            "AutoencoderKL" => Guard("vae", folder, p => CheckVaeFolder(p, options, ct)),
            "CLIPTextModel" => Guard("text_encoder", folder, p => CheckTextFolder(p, options, ct)),
            _ => ComponentCheck.Failed("component", folder, new ModelLoadException($"Unsupported component class '{cls ?? "(none)"}' in config.json.", folder)),
        };
    }

    private static List<ComponentCheck> CheckFile(string file, ModelLoadOptions options, CancellationToken ct)
    {
        Dictionary<string, Tensor> checkpoint;
        try
        {
            checkpoint = CheckpointReader.Load(file, options.ReadOptions, ct);
        }
        catch (Exception ex) when (ex is DragVideoException or IOException)
        {
            return new List<ComponentCheck> { ComponentCheck.Failed("file", file, ex) };
        }
        try
        {
            if (!LdmKeyMapper.LooksLikeLdm(checkpoint.Keys))
            {
                if (!checkpoint.Keys.Any(k => k.Contains(".motion_modules.", StringComparison.Ordinal)))
                {
                    return new List<ComponentCheck>
                    {
                        ComponentCheck.Failed("file", file, new ModelLoadException(
                            "The file is neither an SD1.x single-file checkpoint (model.diffusion_model.*) nor a motion module (*.motion_modules.*); " +
                            "a diffusers component's weight file must be checked through its folder (with config.json).", file)),
                    };
                }
                return new List<ComponentCheck> { Guard("motion_adapter", file, p => CheckMotionAdapter(p, options, ct)) };
            }

            var list = new List<ComponentCheck>();
            LdmConvertedCheckpoint converted;
            try
            {
                converted = LdmCheckpointConverter.Convert(checkpoint, new LdmConversionOptions { UseEma = options.UseEma }, file);
            }
            catch (ModelLoadException ex)
            {
                return new List<ComponentCheck> { ComponentCheck.Failed("checkpoint", file, ex) };
            }
            using (converted)
            {
                var yaml = options.OriginalConfigPath is { } y ? LdmOriginalConfig.FromFile(y) : null;
                var notes = new List<string>();
                if (converted.Map.Ignored.Count > 0) notes.Add($"{converted.Map.Ignored.Count} training-only tensors ignored (DDPM schedule / unused EMA copy)");
                list.Add(Guard("unet", file, _ =>
                {
                    var config = UnetBuilder.ConfigFromLayout(converted.Map.Unet!, yaml, options, file);
                    return CheckUnet(file, config, converted.Unet, options.MotionAdapterPath, options, ct, notes);
                }));
                list.Add(Guard("vae", file, _ => CheckModule("vae", file,
                    () => new AutoencoderKL(StableDiffusionLoader.VaeConfigFromLayout(converted.Map.Vae ?? throw new ModelLoadException("The checkpoint has no VAE (first_stage_model.*).", file), yaml, options, file)),
                    converted.Vae, null, Array.Empty<string>())));
                list.Add(Guard("text_encoder", file, _ => CheckModule("text_encoder", file,
                    () => new ClipTextModel(StableDiffusionLoader.TextConfigFromTensors(converted.TextEncoder, options, file)),
                    converted.TextEncoder, ClipOptional, Array.Empty<string>())));
                if (converted.Map.Unmapped.Count > 0)
                {
                    list.Add(new ComponentCheck("checkpoint", file, "", "", 0, Array.Empty<string>(), converted.Map.Unmapped, Array.Empty<string>(),
                        Array.Empty<string>(), $"{converted.Map.Unmapped.Count} tensor(s) belong to no SD1.x component."));
                }
                return list;
            }
        }
        finally
        {
            foreach (var t in checkpoint.Values) t.Dispose();
        }
    }

    private static readonly StateDictLoadOptions ClipOptional = new() { IgnoreUnexpected = k => ClipTextModel.OptionalStateDictKeys.Contains(k) };

    private static ComponentCheck CheckMotionUnetFolder(string folder, ModelLoadOptions options, CancellationToken ct)
    {
        var (config, adapter, weights) = StableDiffusionLoader.ReadMotionUnetFolder(folder, options, ct);
        try
        {
            using (adapter)
            {
                var combined = new Dictionary<string, Tensor>(weights, StringComparer.Ordinal);
                foreach (var (k, v) in adapter.Tensors) combined.TryAdd(k, v);
                return CheckModule("unet", adapter.Source, () => new UNetMotionModel(config, adapter.Config), combined, null,
                    new[] { $"UNetMotionModel folder: {weights.Count} U-Net + {adapter.Tensors.Count} motion tensors" });
            }
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    private static ComponentCheck CheckUnetFolder(string folder, string? motionPath, ModelLoadOptions options, CancellationToken ct)
    {
        if (ModelSource.ClassNameOf(folder) == "UNetMotionModel") return CheckMotionUnetFolder(folder, options, ct);
        var config = UNet2DConditionConfig.FromJsonFile(System.IO.Path.Combine(folder, "config.json"));
        var file = WeightFiles.Find(folder, options.Variant);
        var weights = CheckpointReader.Load(file, options.ReadOptions, ct);
        try
        {
            return CheckUnet(file, config, weights, motionPath, options, ct, new List<string>());
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    private static ComponentCheck CheckUnet(string source, UNet2DConditionConfig config, IReadOnlyDictionary<string, Tensor> unet, string? motionPath,
        ModelLoadOptions options, CancellationToken ct, List<string> notes)
    {
        if (motionPath is null)
        {
            notes.Add("image U-Net only: no motion adapter given (--motion), so the video U-Net was not checked");
            return CheckModule("unet", source, () => new UNet2DConditionModel(config), unet, null, notes);
        }
        using var adapter = MotionAdapterLoader.Read(motionPath, options, config.NormNumGroups, ct);
        var combined = new Dictionary<string, Tensor>(unet, StringComparer.Ordinal);
        foreach (var (k, v) in adapter.Tensors) combined.TryAdd(k, v);
        notes.Add($"with motion adapter {adapter.Source} ({adapter.Tensors.Count} tensors)");
        if (adapter.DroppedPositionalEncodings.Count > 0)
            notes.Add($"{adapter.DroppedPositionalEncodings.Count} original pos_encoder.pe buffers dropped (recomputed by the module)");
        var motionConfig = adapter.Config with { MotionNormNumGroups = config.NormNumGroups };
        return CheckModule("unet", source, () => new UNetMotionModel(config, motionConfig), combined, PeOptional(adapter), notes);
    }

    private static StateDictLoadOptions? PeOptional(MotionAdapterWeights adapter) => adapter.OriginalNaming
        ? new StateDictLoadOptions { AllowMissing = k => k.EndsWith(".pos_embed.pe", StringComparison.Ordinal) }
        : null;

    private static ComponentCheck CheckMotionAdapter(string path, ModelLoadOptions options, CancellationToken ct)
    {
        using var adapter = MotionAdapterLoader.Read(path, options, options.NormNumGroups ?? 32, ct);
        var notes = new List<string>
        {
            $"{adapter.Config.BlockOutChannels.Count} levels [{string.Join(", ", adapter.Config.BlockOutChannels)}], {adapter.Config.MotionLayersPerBlock} modules per level, " +
            $"mid block {(adapter.Config.UseMotionMidBlock ? "yes" : "no")}, {adapter.Config.MotionMaxSeqLength} frames, {adapter.Config.MotionNumAttentionHeads} heads",
        };
        if (adapter.DroppedPositionalEncodings.Count > 0)
            notes.Add($"original AnimateDiff names; {adapter.DroppedPositionalEncodings.Count} pos_encoder.pe buffers dropped (recomputed by the module)");
        return CheckModule("motion_adapter", adapter.Source, () => new MotionAdapterModule(adapter.Config), adapter.Tensors, PeOptional(adapter), notes);
    }

    private static ComponentCheck CheckVaeFolder(string folder, ModelLoadOptions options, CancellationToken ct)
    {
        var config = AutoencoderKLConfig.FromJsonFile(System.IO.Path.Combine(folder, "config.json"));
        var file = WeightFiles.Find(folder, options.Variant);
        var weights = CheckpointReader.Load(file, options.ReadOptions, ct);
        try
        {
            return CheckModule("vae", file, () => new AutoencoderKL(config), weights, null, Array.Empty<string>());
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    private static ComponentCheck CheckTextFolder(string folder, ModelLoadOptions options, CancellationToken ct)
    {
        var config = ClipTextConfig.FromJsonFile(System.IO.Path.Combine(folder, "config.json"));
        var file = WeightFiles.Find(folder, options.Variant);
        var weights = CheckpointReader.Load(file, options.ReadOptions, ct);
        try
        {
            return CheckModule("text_encoder", file, () => new ClipTextModel(config), weights, ClipOptional, Array.Empty<string>());
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    private static ComponentCheck CheckModule(string component, string source, Func<nn.Module> build, IReadOnlyDictionary<string, Tensor> weights,
        StateDictLoadOptions? loadOptions, IReadOnlyList<string> notes)
    {
        string stored = string.Join(", ", weights.Values.Select(t => t.dtype.ToString()).Distinct().OrderBy(s => s, StringComparer.Ordinal));
        using var module = build();
        var cmp = StateDictLoader.Compare(module, weights, loadOptions);
        if (cmp.IsExactMatch) StateDictLoader.LoadStrict(module, weights, source, loadOptions);
        long count = module.parameters().Sum(p => p.numel());
        string dtype = module.parameters().FirstOrDefault()?.dtype.ToString() ?? "";
        return new ComponentCheck(component, source, stored, dtype, count, cmp.Missing, cmp.Unexpected, cmp.Mismatched, notes,
            cmp.IsExactMatch ? null : "the weights do not match the module");
    }

    private static ComponentCheck Info(string component, string source, string note) =>
        new(component, source, "", "", 0, Array.Empty<string>(), Array.Empty<string>(), Array.Empty<string>(), new[] { note }, null);

    private static ComponentCheck Guard(string component, string source, Func<string, ComponentCheck> check)
    {
        try
        {
            if (!File.Exists(source) && !Directory.Exists(source))
                throw new ModelLoadException($"The '{component}' component is missing.", source);
            return check(source);
        }
        catch (Exception ex) when (ex is DragVideoException or IOException or ArgumentException)
        {
            return ComponentCheck.Failed(component, source, ex);
        }
    }
}
