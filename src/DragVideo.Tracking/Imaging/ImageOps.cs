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

    /// <summary>
    /// Maximum over the <c>(2r+1)²</c> square around each pixel of <paramref name="x"/> <c>[N, C, H, W]</c> (pixels
    /// outside the image do not count) — a square dilation. Computed as a row maximum then a column maximum: the same
    /// result as one square max-pool at 2(2r+1) instead of (2r+1)² comparisons per pixel.
    /// </summary>
    public static Tensor SquareMax(Tensor x, int radius)
    {
        if (radius == 0) return x.clone();
        using var scope = NewDisposeScope();
        int k = 2 * radius + 1;
        var rows = F.max_pool2d(x, new long[] { 1, k }, new long[] { 1, 1 }, new long[] { 0, radius });
        return F.max_pool2d(rows, new long[] { k, 1 }, new long[] { 1, 1 }, new long[] { radius, 0 }).MoveToOuterDisposeScope();
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

    /// <summary>Frame <paramref name="index"/> of a clip as a contiguous float32 CPU tensor <c>[1, 3, H, W]</c>.</summary>
    public static Tensor Frame(VideoClip clip, int index) =>
        clip.Frames[index].unsqueeze(0).to(CPU).to_type(ScalarType.Float32).contiguous();
}
