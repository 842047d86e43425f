namespace DragVideo;

/// <summary>Identifies one attention layer of a model.</summary>
/// <param name="Path">module path in state-dict naming, e.g. <c>up_blocks.1.attentions.0.transformer_blocks.0.attn1</c>.</param>
/// <param name="Kind">self / cross / temporal.</param>
/// <param name="Index">position among the model's layers of this kind, in forward order (0-based).</param>
/// <param name="Part">which part of the U-Net the layer sits in.</param>
public sealed record AttentionLayerInfo(string Path, AttentionKind Kind, int Index, UNetPart Part);
