namespace DragVideo.Diffusion.Loading;

/// <summary>Finds the weight file of a diffusers / transformers component folder.</summary>
internal static class WeightFiles
{
    private static readonly string[] Stems = { "diffusion_pytorch_model", "model", "pytorch_model" };

    /// <summary>
    /// The weight file in <paramref name="folder"/>: <c>diffusion_pytorch_model</c> / <c>model</c> / <c>pytorch_model</c>
    /// with the preferred variant (e.g. <c>.fp16</c>) first, safetensors before pickle. Throws
    /// <see cref="ModelLoadException"/> naming the folder and the files looked for when there is none, or when the
    /// weights are sharded (<c>*.index.json</c>), which this SDK does not read.
    /// </summary>
    /// <param name="folder">Component folder (e.g. <c>unet/</c>).</param>
    /// <param name="variant">Preferred variant, or null.</param>
    public static string Find(string folder, string? variant = null)
    {
        if (!Directory.Exists(folder)) throw new ModelLoadException("The component folder does not exist.", Path.GetFullPath(folder));
        var candidates = new List<string>();
        foreach (var v in variant is null ? new[] { "", ".fp16", ".bf16" } : new[] { "." + variant, "" })
            foreach (var ext in new[] { ".safetensors", ".bin" })
                foreach (var stem in Stems)
                    candidates.Add(stem + v + ext);
        foreach (var c in candidates)
        {
            var p = Path.Combine(folder, c);
            if (File.Exists(p)) return p;
        }
        if (Directory.EnumerateFiles(folder, "*.index.json").Any())
            throw new ModelLoadException("The weights in this folder are sharded (*.index.json); merge them into one safetensors file first.", Path.GetFullPath(folder));
        throw new ModelLoadException($"No weight file found; looked for {string.Join(", ", candidates.Distinct())}.", Path.GetFullPath(folder));
    }
}
