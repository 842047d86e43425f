using static TorchSharp.torch;

namespace DragVideo;

/// <summary>
/// Dense optical flow between two frames. The default is weight-free (coarse-to-fine); RAFT or another learned model can
/// implement this interface.
/// </summary>
public interface IOpticalFlow
{
    /// <summary>
    /// Flow from <paramref name="from"/> to <paramref name="to"/>: float <c>[2, H, W]</c> (dx, dy) in pixels such that
    /// pixel (x, y) of <paramref name="from"/> moves to (x + dx, y + dy) in <paramref name="to"/>. Inputs are
    /// <c>[3, H, W]</c> in [0, 1], same size and device. The caller owns the result.
    /// </summary>
    Tensor Compute(Tensor from, Tensor to);
}
