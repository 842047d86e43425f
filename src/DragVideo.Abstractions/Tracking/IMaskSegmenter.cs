namespace DragVideo;

/// <summary>
/// Makes a mask of one frame from positive / negative clicks (the paper: SAM). The default is weight-free; a learned
/// segmenter can implement this interface.
/// </summary>
public interface IMaskSegmenter
{
    /// <summary>Segments the region containing the positive clicks and excluding the negative ones.</summary>
    /// <param name="frame">one frame, float <c>[3, H, W]</c> in [0, 1].</param>
    /// <param name="positive">clicks inside the wanted region (at least one).</param>
    /// <param name="negative">clicks outside it (may be empty).</param>
    BinaryMask Segment(TorchSharp.torch.Tensor frame, IReadOnlyList<DragPoint> positive, IReadOnlyList<DragPoint> negative);
}
