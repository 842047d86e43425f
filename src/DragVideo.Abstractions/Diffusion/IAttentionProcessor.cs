using static TorchSharp.torch;

namespace DragVideo;

/// <summary>
/// Computes one attention layer. Replacing processors per layer path is how LoRA variants and Mutual Self-Attention plug
/// into the U-Net without touching it (diffusers' attention-processor design).
/// </summary>
public interface IAttentionProcessor
{
    /// <summary>
    /// Returns the attention output <c>[N, L, C]</c> for <paramref name="hiddenStates"/> <c>[N, L, C]</c>, attending to
    /// <paramref name="encoderHiddenStates"/> <c>[N, S, C_kv]</c> (cross-attention) or to itself when null.
    /// </summary>
    Tensor Process(IAttentionModule attention, Tensor hiddenStates, Tensor? encoderHiddenStates, AttentionContext context);
}
