namespace DragVideo.Diffusion.Loading;

/// <summary>What a model path points at.</summary>
public enum ModelSourceKind
{
    /// <summary>A diffusers pipeline folder with <c>model_index.json</c> and component sub-folders.</summary>
    DiffusersFolder,

    /// <summary>A single diffusers component folder (<c>config.json</c> + weights), e.g. <c>unet/</c>.</summary>
    ComponentFolder,

    /// <summary>An SD1.x single-file checkpoint with original LDM names (<c>.safetensors</c> or <c>.ckpt</c>).</summary>
    SingleFile,
}

/// <summary>Classifies model paths.</summary>
public static class ModelSource
{
    /// <summary>
    /// Decides what <paramref name="path"/> is; <see cref="ModelLoadException"/> when it does not exist or a folder has
    /// neither <c>model_index.json</c> nor <c>config.json</c>.
    /// </summary>
    /// <param name="path">Folder or file.</param>
    public static ModelSourceKind Classify(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) return ModelSourceKind.SingleFile;
        if (!Directory.Exists(full)) throw new ModelLoadException("The model path does not exist.", full);
        if (File.Exists(Path.Combine(full, "model_index.json"))) return ModelSourceKind.DiffusersFolder;
        if (File.Exists(Path.Combine(full, "config.json"))) return ModelSourceKind.ComponentFolder;
        throw new ModelLoadException("The folder is neither a diffusers pipeline (model_index.json) nor a component folder (config.json).", full);
    }

    /// <summary>The <c>_class_name</c> of a component folder's <c>config.json</c> (or <c>architectures[0]</c> for transformers), or null.</summary>
    /// <param name="folder">Component folder.</param>
    public static string? ClassNameOf(string folder)
    {
        string config = Path.Combine(folder, "config.json");
        if (!File.Exists(config)) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(config));
            if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object) return null;
            if (doc.RootElement.TryGetProperty("_class_name", out var c) && c.ValueKind == System.Text.Json.JsonValueKind.String) return c.GetString();
            if (doc.RootElement.TryGetProperty("architectures", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.Array && a.GetArrayLength() > 0)
                return a[0].GetString();
            return null;
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ModelLoadException($"config.json is not valid JSON: {ex.Message}", config, ex);
        }
    }
}
