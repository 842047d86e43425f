using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Metrics;

/// <summary>A flow that reports the same vector everywhere (tests the aggregation of Eq. 8 independently of any estimator).</summary>
internal sealed class ConstantFlow(float dx, float dy) : IOpticalFlow
{
    public int Calls { get; private set; }

    public Tensor Compute(Tensor from, Tensor to)
    {
        Calls++;
        var f = torch.zeros(2, from.shape[1], from.shape[2]);
        f[0].fill_(dx);
        f[1].fill_(dy);
        return f;
    }
}
