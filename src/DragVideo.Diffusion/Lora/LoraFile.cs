using System.Globalization;
using DragVideo.Diffusion.Loading;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Lora;

/// <summary>
/// Saves and loads <see cref="LoraNetwork"/> weights as safetensors in the diffusers/PEFT naming
/// (<see cref="LoraKeyNames"/>), so a LoRA trained here loads in Python with
/// <c>pipe.load_lora_weights(folder, weight_name=…)</c> and vice versa. Metadata: <c>format = pt</c>,
/// <c>lora_rank</c>, <c>lora_alpha</c> (PEFT's alpha; absent in files from diffusers, which then means alpha = rank)
/// and <c>producer</c>.
/// </summary>
public static class LoraFile
{
    /// <summary>Metadata key holding the rank.</summary>
    public const string RankKey = "lora_rank";

    /// <summary>Metadata key holding PEFT's alpha.</summary>
    public const string AlphaKey = "lora_alpha";

    /// <summary>Writes the adapters to <paramref name="path"/> (temp file, then moved into place).</summary>
    public static void Save(LoraNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var tensors = network.StateDict();
        try
        {
            SafetensorsWriter.Save(path, tensors, Metadata(network));
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>The metadata <see cref="Save"/> writes.</summary>
    public static Dictionary<string, string> Metadata(LoraNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new Dictionary<string, string>
        {
            ["format"] = "pt",
            [RankKey] = network.Rank.ToString(CultureInfo.InvariantCulture),
            [AlphaKey] = network.Alpha.ToString("R", CultureInfo.InvariantCulture),
            ["producer"] = "DragVideo for .NET",
        };
    }

    /// <summary>
    /// Creates a network for <paramref name="backbone"/> from a file (adapter placement and rank from its keys and
    /// shapes, alpha from its metadata or = rank). The network is not attached.
    /// </summary>
    /// <exception cref="ModelLoadException">the file is unreadable or does not fit the backbone.</exception>
    public static LoraNetwork Load(IVideoDiffusionBackbone backbone, string path)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (_, metadata) = SafetensorsReader.ReadHeader(path);
        var tensors = SafetensorsReader.Load(path);
        try
        {
            return LoraNetwork.FromStateDict(backbone, tensors, AlphaFrom(metadata), path);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Loads a file's weights into an existing network (strict).</summary>
    /// <exception cref="ModelLoadException">keys or shapes do not match.</exception>
    public static void LoadInto(LoraNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var tensors = SafetensorsReader.Load(path);
        try
        {
            network.LoadStateDict(tensors, path);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Alpha recorded in file metadata, or null when absent (diffusers' files: alpha = rank).</summary>
    public static double? AlphaFrom(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.TryGetValue(AlphaKey, out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var a) && a > 0
            ? a : null;
    }
}
