using DragVideo.Diffusion.Modules.Motion;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// A motion adapter read from disk: its configuration and its tensors under diffusers MotionAdapter names. Owns the
/// tensors (dispose after loading them into a module).
/// </summary>
public sealed class MotionAdapterWeights : IDisposable
{
    internal MotionAdapterWeights(string source, MotionAdapterConfig config, Dictionary<string, Tensor> tensors,
        IReadOnlyList<string> droppedPositionalEncodings, bool originalNaming)
    {
        Source = source;
        Config = config;
        Tensors = tensors;
        DroppedPositionalEncodings = droppedPositionalEncodings;
        OriginalNaming = originalNaming;
    }

    /// <summary>The file or folder read.</summary>
    public string Source { get; }

    /// <summary>The adapter configuration (from <c>config.json</c>, or read from the tensors plus options).</summary>
    public MotionAdapterConfig Config { get; }

    /// <summary>Tensors by diffusers name.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>Original <c>pos_encoder.pe</c> keys that were accepted and dropped.</summary>
    public IReadOnlyList<string> DroppedPositionalEncodings { get; }

    /// <summary>True when the file used original AnimateDiff names (its <c>pos_embed.pe</c> buffers come from the module).</summary>
    public bool OriginalNaming { get; }

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}

/// <summary>Reads a motion adapter: a diffusers folder, or an original AnimateDiff file (.ckpt / .safetensors).</summary>
public static class MotionAdapterLoader
{
    /// <summary>
    /// Reads the adapter at <paramref name="path"/>. For a folder, <c>config.json</c> gives the configuration; for a
    /// bare file, widths, layers, mid block and sequence length come from the tensors and the head count from
    /// <paramref name="options"/> (<see cref="ModelLoadOptions.MotionAdapterConfig"/>, else AnimateDiff's 8). The norm
    /// groups follow <paramref name="normNumGroups"/> (diffusers' UNetMotionModel uses the U-Net's value).
    /// </summary>
    /// <param name="path">Folder or file.</param>
    /// <param name="options">Pickle opt-in and the bare-file settings.</param>
    /// <param name="normNumGroups">The U-Net's GroupNorm groups.</param>
    /// <param name="cancellationToken">Checked between tensors.</param>
    public static MotionAdapterWeights Read(string path, ModelLoadOptions? options = null, int normNumGroups = 32, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new ModelLoadOptions();
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            string configPath = Path.Combine(full, "config.json");
            if (!File.Exists(configPath)) throw new ModelLoadException("The motion adapter folder has no config.json.", full);
            var config = MotionAdapterConfig.FromJsonFile(configPath);
            var file = WeightFiles.Find(full, options.Variant);
            var tensors = CheckpointReader.Load(file, options.ReadOptions, cancellationToken);
            if (AnimateDiffConverter.IsOriginalNaming(tensors.Keys))
            {
                var conv = AnimateDiffConverter.Convert(tensors, file);
                foreach (var k in conv.DroppedPositionalEncodings) tensors[k].Dispose();
                return new MotionAdapterWeights(full, config, new Dictionary<string, Tensor>(conv.Tensors), conv.DroppedPositionalEncodings, true);
            }
            return new MotionAdapterWeights(full, config, tensors, Array.Empty<string>(), false);
        }
        if (!File.Exists(full))
            throw new ModelLoadException("The motion adapter path is neither a folder nor a file.", full);

        var raw = CheckpointReader.Load(full, options.ReadOptions, cancellationToken);
        try
        {
            bool original = AnimateDiffConverter.IsOriginalNaming(raw.Keys);
            var conv = AnimateDiffConverter.Convert(raw, full);
            foreach (var k in conv.DroppedPositionalEncodings) raw[k].Dispose();
            var baseConfig = options.MotionAdapterConfig ?? MotionAdapterConfig.AnimateDiffSd15;
            var config = baseConfig with
            {
                BlockOutChannels = conv.Layout.BlockOutChannels,
                MotionLayersPerBlock = conv.Layout.MotionLayersPerBlock,
                UseMotionMidBlock = conv.Layout.UseMidBlock,
                MotionMaxSeqLength = conv.Layout.MaxSequenceLength ?? baseConfig.MotionMaxSeqLength,
                MotionNormNumGroups = normNumGroups,
            };
            return new MotionAdapterWeights(full, config, new Dictionary<string, Tensor>(conv.Tensors), conv.DroppedPositionalEncodings, original);
        }
        catch
        {
            foreach (var t in raw.Values) t.Dispose();
            throw;
        }
    }
}
