using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Tracking.Imaging;

/// <summary>
/// Small image operations on float32 CPU tensors <c>[N, C, H, W]</c> shared by the flow, the point tracker and the mask
/// code. Coordinates follow <see cref="DragPoint"/>: pixel centres at integer (x, y).
/// </summary>
internal static class ImageOps
{
    /// <summary>Normalised 1-D Gaussian taps for <paramref name="sigma"/> (radius ⌈3σ⌉, at least 1).</summary>
    public static float[] GaussianTaps(double sigma)
    {
        int r = Math.Max(1, (int)Math.Ceiling(3 * sigma));
        var k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) { double v = Math.Exp(-0.5 * i * i / (sigma * sigma)); k[i + r] = (float)v; sum += v; }
        for (int i = 0; i < k.Length; i++) k[i] = (float)(k[i] / sum);
        return k;
    }

    /// <summary>Separable filter with replicate borders; <paramref name="taps"/> is applied along x and y. Stride subsamples.</summary>
    public static Tensor SeparableFilter(Tensor x, float[] taps, int stride = 1)
    {
        long c = x.shape[1];
        int r = taps.Length / 2;
        using var scope = NewDisposeScope();
        var k = torch.tensor(taps, ScalarType.Float32);
        var kx = k.view(1, 1, 1, taps.Length).expand(c, 1, 1, taps.Length);
        var ky = k.view(1, 1, taps.Length, 1).expand(c, 1, taps.Length, 1);
        var p = F.pad(x, new long[] { r, r, r, r }, PaddingModes.Replicate);
        var h = F.conv2d(p, kx, strides: new long[] { 1, stride }, groups: c);
        var v = F.conv2d(h, ky, strides: new long[] { stride, 1 }, groups: c);
        return v.MoveToOuterDisposeScope();
    }

    /// <summary>Gaussian blur with replicate borders (identity when sigma ≤ 0).</summary>
    public static Tensor GaussianBlur(Tensor x, double sigma) =>
        sigma <= 0 ? x.clone() : SeparableFilter(x, GaussianTaps(sigma));

    private static readonly float[] Binomial5 = { 1 / 16f, 4 / 16f, 6 / 16f, 4 / 16f, 1 / 16f };

    /// <summary>
    /// Blur with the 5-tap binomial filter and keep every second pixel: level-(l+1) pixel (x, y) is level-l pixel
    /// (2x, 2y). Size becomes ⌈H/2⌉ × ⌈W/2⌉.
    /// </summary>
    public static Tensor Downsample(Tensor x) => SeparableFilter(x, Binomial5, stride: 2);

    /// <summary>Central-difference gradients (∂/∂x, ∂/∂y) with replicate borders.</summary>
    public static (Tensor Gx, Tensor Gy) Gradients(Tensor x)
    {
        using var scope = NewDisposeScope();
        long c = x.shape[1];
        var p = F.pad(x, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate);
        var kx = torch.tensor(new float[] { -0.5f, 0, 0.5f }).view(1, 1, 1, 3).expand(c, 1, 1, 3);
        var ky = torch.tensor(new float[] { -0.5f, 0, 0.5f }).view(1, 1, 3, 1).expand(c, 1, 3, 1);
        var gx = F.conv2d(p.narrow(2, 1, x.shape[2]), kx, groups: c);
        var gy = F.conv2d(p.narrow(3, 1, x.shape[3]), ky, groups: c);
        return (gx.MoveToOuterDisposeScope(), gy.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Converts pixel coordinates <c>[..., 2]</c> (x, y) to grid_sample's normalised coordinates with
    /// <c>align_corners = true</c> (pixel centre 0 ↔ −1, W−1 ↔ +1).
    /// </summary>
    public static Tensor ToNormalized(Tensor xy, long width, long height)
    {
        var scale = torch.tensor(new float[] { 2f / Math.Max(1, width - 1), 2f / Math.Max(1, height - 1) });
        return xy * scale - 1f;
    }

    /// <summary>Pixel coordinate grid <c>[1, H, W, 2]</c> (x, y).</summary>
    public static Tensor PixelGrid(long height, long width)
    {
        using var scope = NewDisposeScope();
        var ys = torch.arange(height, ScalarType.Float32);
        var xs = torch.arange(width, ScalarType.Float32);
        var g = torch.stack(new[] { xs.view(1, width).expand(height, width), ys.view(height, 1).expand(height, width) }, dim: -1);
        return g.unsqueeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Backward warp: output(x) = image(x + flow(x)), bilinear, border padding. <paramref name="image"/> <c>[1, C, H, W]</c>,
    /// <paramref name="flow"/> <c>[1, 2, H, W]</c> in pixels; <paramref name="grid"/> from <see cref="PixelGrid"/>.
    /// </summary>
    public static Tensor Warp(Tensor image, Tensor flow, Tensor grid,
        GridSamplePaddingMode padding = GridSamplePaddingMode.Border, GridSampleMode mode = GridSampleMode.Bilinear)
    {
        using var scope = NewDisposeScope();
        var xy = grid + flow.permute(0, 2, 3, 1);
        var g = ToNormalized(xy, image.shape[3], image.shape[2]);
        return F.grid_sample(image, g, mode, padding, align_corners: true).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Samples <paramref name="image"/> <c>[1, C, H, W]</c> at pixel positions <paramref name="xy"/> <c>[N, P, 2]</c>
    /// (bilinear, border padding) → <c>[C, N, P]</c>.
    /// </summary>
    public static Tensor Sample(Tensor image, Tensor xy)
    {
        using var scope = NewDisposeScope();
        var g = ToNormalized(xy, image.shape[3], image.shape[2]).unsqueeze(0);
        return F.grid_sample(image, g, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: true)[0]
            .MoveToOuterDisposeScope();
    }

    // Compare-exchange pairs of the classic 19-exchange median-of-9 network (the median ends in slot 4).
    private static readonly (int, int)[] Median9Network =
    {
        (1, 2), (4, 5), (7, 8), (0, 1), (3, 4), (6, 7), (1, 2), (4, 5), (7, 8), (0, 3),
        (5, 8), (4, 7), (3, 6), (1, 4), (2, 5), (4, 7), (4, 2), (6, 4), (4, 2),
    };

    /// <summary>
    /// 3×3 median filter per channel (replicate borders), used to remove flow outliers. Runs a min/max sorting
    /// network on the nine shifted planes, much cheaper than sorting every neighbourhood.
    /// </summary>
    public static Tensor Median3x3(Tensor x)
    {
        using var scope = NewDisposeScope();
        long h = x.shape[2], w = x.shape[3];
        var p = F.pad(x, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate);
        var v = new Tensor[9];
        for (int dy = 0; dy < 3; dy++)
            for (int dx = 0; dx < 3; dx++)
                v[dy * 3 + dx] = p.narrow(2, dy, h).narrow(3, dx, w);
        foreach (var (i, j) in Median9Network)
        {
            var lo = torch.minimum(v[i], v[j]);
            var hi = torch.maximum(v[i], v[j]);
            v[i] = lo;
            v[j] = hi;
        }
        return v[4].contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Frame <paramref name="index"/> of a clip as a contiguous float32 CPU tensor <c>[1, 3, H, W]</c>.</summary>
    public static Tensor Frame(VideoClip clip, int index) =>
        clip.Frames[index].unsqueeze(0).to(CPU).to_type(ScalarType.Float32).contiguous();
}
