using static TorchSharp.torch;

namespace DragVideo;

/// <summary>Turns a prompt into the text embedding the U-Net attends to (default: CLIP, see <c>DragVideo.Diffusion.Pipeline.ClipPromptEncoder</c>).</summary>
public interface IPromptEncoder
{
    /// <summary>Returns the embedding <c>[1, 77, D]</c> of <paramref name="prompt"/> (caller owns it).</summary>
    /// <param name="prompt">the text prompt.</param>
    /// <param name="cancellationToken">checked before the encoder runs.</param>
    /// <exception cref="OperationCanceledException">cancelled.</exception>
    Tensor Encode(string prompt, CancellationToken cancellationToken = default);
}
