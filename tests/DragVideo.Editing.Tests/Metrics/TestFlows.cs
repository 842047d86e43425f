using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Metrics;

/// <summary>A flow that reports the same vector everywhere (tests the aggregation of Eq. 8 independently of any estimator).</summary>
internal sealed class ConstantFlow(float dx, float dy) : IOpticalFlow
{
    private int _calls;

    /// <summary>Number of calls so far.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public Tensor Compute(Tensor from, Tensor to)
    {
        Interlocked.Increment(ref _calls);
        var f = torch.zeros(2, from.shape[1], from.shape[2]);
        f[0].fill_(dx);
        f[1].fill_(dy);
        return f;
    }
}
