using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// The parts of an original LDM inference yaml (e.g. <c>v1-inference.yaml</c>) that a checkpoint's tensors cannot
/// reveal — attention heads, the latent scale factor, the training noise schedule — plus the block structure, used to
/// cross-check the checkpoint. Only plain values are read; no tag or target in the yaml is ever acted upon.
/// </summary>
public sealed record LdmOriginalConfig
{
    /// <summary>U-Net <c>num_heads</c> (SD1.x: 8), or null when the yaml gives <c>num_head_channels</c> instead.</summary>
    public int? UnetNumHeads { get; init; }

    /// <summary>U-Net <c>num_head_channels</c> (SD2: 64), or null.</summary>
    public int? UnetNumHeadChannels { get; init; }

    /// <summary><c>model_channels × channel_mult</c>, or null when absent.</summary>
    public IReadOnlyList<int>? UnetBlockOutChannels { get; init; }

    /// <summary>U-Net <c>num_res_blocks</c>, or null.</summary>
    public int? UnetLayersPerBlock { get; init; }

    /// <summary>U-Net <c>context_dim</c>, or null.</summary>
    public int? ContextDim { get; init; }

    /// <summary>VAE <c>ch × ch_mult</c>, or null.</summary>
    public IReadOnlyList<int>? VaeBlockOutChannels { get; init; }

    /// <summary>Latent <c>scale_factor</c> (SD1.x: 0.18215), or null.</summary>
    public double? ScaleFactor { get; init; }

    /// <summary>DDPM <c>linear_start</c> (SD1.x: 0.00085), or null.</summary>
    public double? BetaStart { get; init; }

    /// <summary>DDPM <c>linear_end</c> (SD1.x: 0.012), or null.</summary>
    public double? BetaEnd { get; init; }

    /// <summary>DDPM <c>timesteps</c> (1000), or null.</summary>
    public int? TrainTimesteps { get; init; }

    /// <summary>Reads the yaml; <see cref="ModelLoadException"/> when it cannot be parsed or lacks <c>model.params</c>.</summary>
    /// <param name="path">The <c>.yaml</c> file.</param>
    public static LdmOriginalConfig FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new ModelLoadException("The original config yaml does not exist.", Path.GetFullPath(path));
        var info = new FileInfo(path);
        if (info.Length > 1024 * 1024) throw new ModelLoadException("The original config yaml is larger than 1 MB; it is not an LDM inference config.", path);
        try
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(path))
                yaml.Load(reader);
            if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
                throw new ModelLoadException("The original config yaml is empty or not a mapping.", path);
            var model = Child(Child(root, "model"), "params")
                        ?? throw new ModelLoadException("The original config yaml has no model.params section.", path);
            var unet = Child(Child(model, "unet_config"), "params");
            var dd = Child(Child(Child(model, "first_stage_config"), "params"), "ddconfig");
            int? modelChannels = Int(unet, "model_channels");
            var channelMult = IntList(unet, "channel_mult");
            int? ch = Int(dd, "ch");
            var chMult = IntList(dd, "ch_mult");
            return new LdmOriginalConfig
            {
                UnetNumHeads = Int(unet, "num_heads") is { } h && h > 0 ? h : null,
                UnetNumHeadChannels = Int(unet, "num_head_channels") is { } hc && hc > 0 ? hc : null,
                UnetBlockOutChannels = modelChannels is { } mc && channelMult is not null ? channelMult.Select(m => mc * m).ToArray() : null,
                UnetLayersPerBlock = Int(unet, "num_res_blocks"),
                ContextDim = Int(unet, "context_dim"),
                VaeBlockOutChannels = ch is { } c && chMult is not null ? chMult.Select(m => c * m).ToArray() : null,
                ScaleFactor = Double(model, "scale_factor"),
                BetaStart = Double(model, "linear_start"),
                BetaEnd = Double(model, "linear_end"),
                TrainTimesteps = Int(model, "timesteps"),
            };
        }
        catch (Exception ex) when (ex is YamlException or FormatException or OverflowException or InvalidCastException or ArgumentNullException)
        {
            throw new ModelLoadException($"The original config yaml cannot be read: {ex.Message}", path, ex);
        }
    }

    private static YamlMappingNode? Child(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v as YamlMappingNode : null;

    private static string? Scalar(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;

    private static int? Int(YamlMappingNode? node, string key) =>
        Scalar(node, key) is { } s ? int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    private static double? Double(YamlMappingNode? node, string key) =>
        Scalar(node, key) is { } s ? double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture) : null;

    private static IReadOnlyList<int>? IntList(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlSequenceNode seq
            ? seq.Children.Select(c => int.Parse(((YamlScalarNode)c).Value!, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray()
            : null;
}
