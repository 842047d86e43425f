using DragVideo.Editing.Metrics;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.Tests.Metrics;

/// <summary>
/// The LibTorch formulation of the metrics' flow measures before they moved to managed planes
/// (<see cref="HostFlowMeasures"/>): the interior as a bool mask, the warp error by <c>grid_sample</c>. Kept as the
/// oracle the managed measures are checked against.
/// </summary>
internal static class TorchFlowMeasures
{
    /// <summary>Bool <c>[H, W]</c>: pixels at least <paramref name="margin"/> from the edge (all pixels when the frame is too small).</summary>
    public static Tensor Interior(long h, long w, int margin)
    {
        var m = torch.zeros(new long[] { h, w }, dtype: ScalarType.Bool);
        if (h <= 2 * margin + 1 || w <= 2 * margin + 1) return m.fill_(true);
        m[TensorIndex.Slice(margin, h - margin), TensorIndex.Slice(margin, w - margin)] = torch.tensor(true);
        return m;
    }

    /// <summary>
    /// Mean absolute difference between <paramref name="a"/> and <paramref name="b"/> warped back by the flow a→b, over
    /// pixels whose flow stays inside the frame and inside <paramref name="region"/>.
    /// </summary>
    public static double WarpError(Tensor a, Tensor b, Tensor flow, Tensor region)
    {
        using var scope = NewDisposeScope();
        int h = (int)a.shape[1], w = (int)a.shape[2];
        var gx = torch.arange(w, dtype: ScalarType.Float32).reshape(1, w).expand(h, w) + flow[0];
        var gy = torch.arange(h, dtype: ScalarType.Float32).reshape(h, 1).expand(h, w) + flow[1];
        var valid = gx.ge(0).logical_and(gx.le(w - 1)).logical_and(gy.ge(0)).logical_and(gy.le(h - 1)).logical_and(region);
        var grid = torch.stack(new[] { gx * (2f / Math.Max(1, w - 1)) - 1f, gy * (2f / Math.Max(1, h - 1)) - 1f }, 2).unsqueeze(0);
        var warped = F.grid_sample(b.unsqueeze(0), grid, mode: GridSampleMode.Bilinear,
            padding_mode: GridSamplePaddingMode.Border, align_corners: true)[0];
        var count = valid.sum().item<long>();
        if (count == 0) return 0;
        var err = (warped - a).abs().mean(new long[] { 0 }).masked_select(valid).sum().item<float>();
        return err / count;
    }
}
