using DragVideo.Tracking;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Benchmarks;

/// <summary>
/// A reproducible textured clip for tracking throughput: multi-scale smoothed noise (photograph-like spectrum) panned
/// by a sub-pixel translation per frame, plus first/last-frame drag instructions with a mask.
/// </summary>
internal static class TrackingScene
{
    public const int Frames = 16;

    public static VideoClip Clip(int size)
    {
        using var scope = NewDisposeScope();
        var gen = new torch.Generator(1234);
        int big = size + 64;
        var tex = torch.zeros(1, 3, big, big);
        foreach (int scale in new[] { 1, 2, 4, 8, 16 })
        {
            var n = torch.rand(new long[] { 1, 3, big / scale + 1, big / scale + 1 }, generator: gen);
            tex += F.interpolate(n, new long[] { big, big }, mode: InterpolationMode.Bilinear, align_corners: false) * (scale / 31f);
        }
        var frames = new List<Tensor>();
        for (int i = 0; i < Frames; i++)
        {
            float dx = 1.7f * i, dy = 1.1f * i;
            var ys = torch.arange(size, ScalarType.Float32) + 32 + dy;
            var xs = torch.arange(size, ScalarType.Float32) + 32 + dx;
            var grid = torch.stack(new[] { xs.view(1, size).expand(size, size), ys.view(size, 1).expand(size, size) }, -1);
            grid = grid * (2f / (big - 1)) - 1f;
            frames.Add(F.grid_sample(tex, grid.unsqueeze(0), GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: true)[0]);
        }
        return new VideoClip(torch.stack(frames).clamp(0, 1).MoveToOuterDisposeScope(), 8);
    }

    /// <summary>16 drag pairs on a grid, on the first and last frames, with an ellipse mask on the first.</summary>
    public static KeyframeDrag[] Keyframes(int size)
    {
        var first = new List<DragPair>();
        var last = new List<DragPair>();
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
            {
                var p = new DragPoint(size * (0.3f + 0.13f * x), size * (0.3f + 0.13f * y));
                var q = new DragPoint(p.X - 1.7f * (Frames - 1), p.Y - 1.1f * (Frames - 1));
                first.Add(new DragPair(p, p + new DragPoint(10, 0)));
                last.Add(new DragPair(q, q + new DragPoint(10, 0)));
            }
        var mask = MaskShapes.Ellipse(size, size, new DragPoint(size / 2f, size / 2f), size / 5f, size / 6f);
        return new[] { new KeyframeDrag(0, first, mask), new KeyframeDrag(Frames - 1, last) };
    }
}
