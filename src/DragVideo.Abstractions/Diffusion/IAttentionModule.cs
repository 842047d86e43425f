using static TorchSharp.torch;

namespace DragVideo;

/// <summary>
/// The projections of one attention layer (diffusers' <c>Attention</c>: <c>to_q</c>, <c>to_k</c>, <c>to_v</c>,
/// <c>to_out.0</c>), as seen by an <see cref="IAttentionProcessor"/>.
/// </summary>
public interface IAttentionModule
{
    /// <summary>The layer's identity.</summary>
    AttentionLayerInfo Layer { get; }

    /// <summary>Number of heads.</summary>
    int Heads { get; }

    /// <summary>Query projection: <c>[N, L, C_q] → [N, L, inner]</c>.</summary>
    Tensor ToQuery(Tensor hiddenStates);

    /// <summary>Key projection: <c>[N, S, C_kv] → [N, S, inner]</c>.</summary>
    Tensor ToKey(Tensor context);

    /// <summary>Value projection: <c>[N, S, C_kv] → [N, S, inner]</c>.</summary>
    Tensor ToValue(Tensor context);

    /// <summary>Output projection (linear + dropout): <c>[N, L, inner] → [N, L, C_q]</c>.</summary>
    Tensor ToOutput(Tensor attended);
}
