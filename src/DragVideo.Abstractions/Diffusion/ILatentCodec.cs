using static TorchSharp.torch;

namespace DragVideo;

/// <summary>
/// Moves frames to and from the diffusion latent space (default: the Stable Diffusion VAE, see
/// <c>DragVideo.Diffusion.Pipeline.VaeLatentCodec</c>). Implement it to use another autoencoder.
/// </summary>
public interface ILatentCodec
{
    /// <summary>Spatial down-sampling factor between frames and latents (SD1.5: 8).</summary>
    int DownsampleFactor { get; }

    /// <summary>
    /// Encodes frames float <c>[F, 3, H, W]</c> in [0, 1] to scaled latents <c>[1, C, F, H/f, W/f]</c> (the posterior mean
    /// times the scaling factor, as DragDiffusion does). The caller owns the result.
    /// </summary>
    Tensor Encode(Tensor frames, CancellationToken cancellationToken = default);

    /// <summary>
    /// Decodes scaled latents <c>[1, C, F, h, w]</c> to frames float <c>[F, 3, h·f, w·f]</c> in [0, 1] on the CPU, one frame
    /// at a time (memory). The caller owns the result.
    /// </summary>
    Tensor Decode(Tensor latents, CancellationToken cancellationToken = default);
}
