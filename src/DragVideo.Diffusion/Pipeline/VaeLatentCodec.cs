using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Vae;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Pipeline;

/// <summary>
/// The Stable Diffusion VAE as an <see cref="ILatentCodec"/>: encodes with the posterior mean × scaling factor
/// (DragDiffusion), decodes one frame at a time (the released code, for memory).
/// </summary>
public sealed class VaeLatentCodec : ILatentCodec, IWeightFingerprint
{
    private readonly AutoencoderKL _vae;
    private readonly Lazy<string> _fingerprint;

    /// <summary>Wraps a loaded VAE.</summary>
    public VaeLatentCodec(AutoencoderKL vae)
    {
        _vae = vae ?? throw new ArgumentNullException(nameof(vae));
        _fingerprint = new Lazy<string>(() => DragVideo.Diffusion.Loading.WeightFingerprint.Of(_vae));
    }

    /// <inheritdoc />
    public string WeightFingerprint => _fingerprint.Value;

    /// <inheritdoc />
    public int DownsampleFactor => _vae.DownsampleFactor;

    /// <inheritdoc />
    public Tensor Encode(Tensor frames, CancellationToken cancellationToken = default) =>
        _vae.EncodeFrames(frames, sliceSize: 1, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Tensor Decode(Tensor latents, CancellationToken cancellationToken = default)
    {
        using var frames = _vae.DecodeFrames(latents, sliceSize: 1, cancellationToken);
        return frames[0].clone();
    }
}
