using static TorchSharp.torch;

namespace DragVideo.Editing.Metrics;

/// <summary>
/// An image encoder producing CLIP image embeddings, needed only for the CLIP-consistency metric (paper Eq. 7). The SDK
/// ships no CLIP vision weights; implement this over a CLIP vision tower you load yourself (for example
/// <c>openai/clip-vit-large-patch14</c>), see docs/metrics.md.
/// </summary>
public interface IClipImageEncoder
{
    /// <summary>
    /// Embeds frames: input float <c>[N, 3, H, W]</c> RGB in [0, 1] (the encoder resizes and normalises as its model
    /// needs); output float <c>[N, D]</c>, one embedding per frame (need not be normalised). The caller owns the result.
    /// </summary>
    Tensor EncodeImages(Tensor frames);
}
