using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// The three state dicts of an SD1.x single-file checkpoint under diffusers / transformers names. Renamed tensors are
/// the checkpoint's own tensor objects (not copies); the VAE attention weights are new [C,C] views that this object
/// owns and disposes. Dispose it before (or together with) the checkpoint dictionary.
/// </summary>
public sealed class LdmConvertedCheckpoint : IDisposable
{
    private readonly List<Tensor> _owned;

    internal LdmConvertedCheckpoint(LdmKeyMap map, Dictionary<string, Tensor> unet, Dictionary<string, Tensor> vae,
        Dictionary<string, Tensor> textEncoder, List<Tensor> owned)
    {
        Map = map;
        Unet = unet;
        Vae = vae;
        TextEncoder = textEncoder;
        _owned = owned;
    }

    /// <summary>The rename plan used (layouts, ignored and unmapped keys).</summary>
    public LdmKeyMap Map { get; }

    /// <summary>U-Net tensors by diffusers UNet2DConditionModel name.</summary>
    public IReadOnlyDictionary<string, Tensor> Unet { get; }

    /// <summary>VAE tensors by diffusers AutoencoderKL name.</summary>
    public IReadOnlyDictionary<string, Tensor> Vae { get; }

    /// <summary>Text-encoder tensors by transformers CLIPTextModel name.</summary>
    public IReadOnlyDictionary<string, Tensor> TextEncoder { get; }

    /// <summary>Disposes the reshaped views this conversion created (not the checkpoint's tensors).</summary>
    public void Dispose()
    {
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
    }
}

/// <summary>Applies <see cref="LdmKeyMapper"/> to a loaded SD1.x single-file checkpoint.</summary>
public static class LdmCheckpointConverter
{
    /// <summary>
    /// Splits and renames an LDM checkpoint into U-Net, VAE and CLIP state dicts. Unmapped keys are not an error here;
    /// they are listed in <see cref="LdmKeyMap.Unmapped"/> and a strict load reports them.
    /// </summary>
    /// <param name="checkpoint">The checkpoint's tensors by LDM name (a flat dict, no <c>state_dict</c> wrapper).</param>
    /// <param name="options">Conversion options.</param>
    /// <param name="source">File named in error messages.</param>
    public static LdmConvertedCheckpoint Convert(IReadOnlyDictionary<string, Tensor> checkpoint, LdmConversionOptions? options = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var map = LdmKeyMapper.Map(checkpoint.ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal), options, source);
        var unet = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var vae = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var text = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var owned = new List<Tensor>();
        foreach (var m in map.Mappings)
        {
            var t = checkpoint[m.Source];
            if (m.ConvToLinear)
            {
                // LDM's AttnBlock uses 1×1 convs; diffusers' Attention uses Linear: same numbers, w[:, :, 0, 0].
                t = t.reshape(t.shape[0], t.shape[1]);
                owned.Add(t);
            }
            (m.Component switch { LdmComponent.Unet => unet, LdmComponent.Vae => vae, _ => text })[m.Target] = t;
        }
        return new LdmConvertedCheckpoint(map, unet, vae, text, owned);
    }
}
