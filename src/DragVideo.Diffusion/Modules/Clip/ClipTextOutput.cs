using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Clip;

/// <summary>What <see cref="ClipTextModel.Encode"/> returns. Owns its tensors; dispose it when done.</summary>
/// <param name="LastHiddenState">
/// <c>[B, L, D]</c> after <c>final_layer_norm</c> (with clip skip k: the output of layer N − k, normalised) — the
/// <c>encoder_hidden_states</c> Stable Diffusion's U-Net attends to.
/// </param>
/// <param name="PoolerOutput"><c>[B, D]</c>: <see cref="LastHiddenState"/> at each sequence's end token.</param>
/// <param name="HiddenStates">
/// When requested: the embeddings followed by each layer's output before the final norm (N + 1 tensors <c>[B, L, D]</c>,
/// transformers' <c>hidden_states</c>); otherwise empty. With clip skip the skipped layers are not run or listed.
/// </param>
public sealed record ClipTextOutput(Tensor LastHiddenState, Tensor PoolerOutput, IReadOnlyList<Tensor> HiddenStates) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        LastHiddenState.Dispose();
        PoolerOutput.Dispose();
        foreach (var t in HiddenStates) t.Dispose();
    }
}
