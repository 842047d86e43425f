using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Vae;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Diffusion.Tokenizers;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// A loaded Stable Diffusion 1.x + AnimateDiff model: the video U-Net, VAE, CLIP text encoder, tokenizer and DDIM
/// scheduler, all in eval mode with the dtype and device of <see cref="ModelLoadOptions"/>. Dispose to free the weights.
/// </summary>
public sealed class StableDiffusionModel : IDisposable
{
    /// <summary>Assembles a model from loaded parts (takes ownership of the modules).</summary>
    /// <param name="unet">Video U-Net (latents <c>[B, 4, F, h, w]</c>).</param>
    /// <param name="vae">Autoencoder (images <c>[N, 3, H, W]</c> in [−1, 1] ↔ latents <c>[N, 4, H/8, W/8]</c>).</param>
    /// <param name="textEncoder">CLIP text encoder (ids <c>[B, 77]</c> → states <c>[B, 77, 768]</c>).</param>
    /// <param name="tokenizer">CLIP BPE tokenizer.</param>
    /// <param name="scheduler">DDIM scheduler.</param>
    /// <param name="source">Where the weights came from.</param>
    /// <param name="kind">What kind of source it was.</param>
    public StableDiffusionModel(UNetMotionModel unet, AutoencoderKL vae, ClipTextModel textEncoder, ClipTokenizer tokenizer, DdimScheduler scheduler,
        string source, ModelSourceKind kind)
    {
        Unet = unet ?? throw new ArgumentNullException(nameof(unet));
        Vae = vae ?? throw new ArgumentNullException(nameof(vae));
        TextEncoder = textEncoder ?? throw new ArgumentNullException(nameof(textEncoder));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        Scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        Source = source;
        Kind = kind;
    }

    /// <summary>The video U-Net (image U-Net + motion modules).</summary>
    public UNetMotionModel Unet { get; }

    /// <summary>The VAE.</summary>
    public AutoencoderKL Vae { get; }

    /// <summary>The CLIP text encoder.</summary>
    public ClipTextModel TextEncoder { get; }

    /// <summary>The CLIP tokenizer.</summary>
    public ClipTokenizer Tokenizer { get; }

    /// <summary>The DDIM scheduler (from <c>scheduler/</c>, or SD1.5's settings for a single file).</summary>
    public DdimScheduler Scheduler { get; }

    /// <summary>The model folder or checkpoint file.</summary>
    public string Source { get; }

    /// <summary>Diffusers folder or single file.</summary>
    public ModelSourceKind Kind { get; }

    /// <summary>Frees the modules' weights.</summary>
    public void Dispose()
    {
        Unet.Dispose();
        Vae.Dispose();
        TextEncoder.Dispose();
    }
}
