using static TorchSharp.torch;

namespace DragVideo.Tracking.Imaging;

/// <summary>
/// A Gaussian pyramid of one frame with per-level gradients, in managed memory (<see cref="HostImage"/>
/// <c>[C, H_l, W_l]</c>). Level 0 is the frame; level l+1 pixel (x, y) is level-l pixel (2x, 2y) after a 5-tap
/// binomial blur; gradients are central differences; every border is replicated. Built with vector loops: the flow
/// and the point tracker read it pixel by pixel, so a LibTorch round trip per level would only add cost.
/// </summary>
internal sealed class FramePyramid
{
    private FramePyramid(HostImage[] levels, HostImage[] gx, HostImage[] gy)
    {
        Levels = levels;
        GradX = gx;
        GradY = gy;
    }

    /// <summary>Image per level.</summary>
    public HostImage[] Levels { get; }

    /// <summary>∂I/∂x per level.</summary>
    public HostImage[] GradX { get; }

    /// <summary>∂I/∂y per level.</summary>
    public HostImage[] GradY { get; }

    /// <summary>Number of levels.</summary>
    public int Count => Levels.Length;

    /// <summary>Width of level 0.</summary>
    public int Width => Levels[0].Width;

    /// <summary>Height of level 0.</summary>
    public int Height => Levels[0].Height;

    /// <summary>How many levels fit when the coarsest side must stay ≥ <paramref name="minSize"/>.</summary>
    public static int LevelCount(long width, long height, int maxLevels, int minSize)
    {
        int n = 1;
        long w = width, h = height;
        while (n < maxLevels && (w + 1) / 2 >= minSize && (h + 1) / 2 >= minSize) { w = (w + 1) / 2; h = (h + 1) / 2; n++; }
        return n;
    }

    /// <summary>
    /// Builds the pyramid of <paramref name="image"/> <c>[1, C, H, W]</c> or <c>[C, H, W]</c> (copied; any dtype or
    /// device), optionally Gaussian pre-smoothed with <paramref name="preSmoothSigma"/> px.
    /// </summary>
    public static FramePyramid Build(Tensor image, int levels, double preSmoothSigma = 0) =>
        Build(HostImage.FromTensor(image), levels, preSmoothSigma);

    /// <summary>
    /// Builds the pyramid of a managed <paramref name="image"/> (not modified) without any LibTorch call, so it may run
    /// beside LibTorch work on other threads (docs/performance.md "Threads").
    /// </summary>
    public static FramePyramid Build(HostImage image, int levels, double preSmoothSigma = 0)
    {
        var lv = new HostImage[levels];
        var gx = new HostImage[levels];
        var gy = new HostImage[levels];
        var cur = image;
        if (preSmoothSigma > 0) cur = Blur(cur, ImageOps.GaussianTaps(preSmoothSigma));
        for (int l = 0; l < levels; l++)
        {
            if (l > 0) cur = Downsample(cur);
            lv[l] = cur;
            int plane = cur.Width * cur.Height;
            var dx = new float[cur.Data.Length];
            var dy = new float[cur.Data.Length];
            for (int c = 0; c < cur.Channels; c++)
                PlaneFilters.Gradients(cur.Data.AsSpan(c * plane, plane), dx.AsSpan(c * plane, plane), dy.AsSpan(c * plane, plane), cur.Height, cur.Width);
            gx[l] = new HostImage(cur.Channels, cur.Height, cur.Width, dx);
            gy[l] = new HostImage(cur.Channels, cur.Height, cur.Width, dy);
        }
        return new FramePyramid(lv, gx, gy);
    }

    private static HostImage Blur(HostImage image, float[] taps)
    {
        int plane = image.Width * image.Height;
        var result = new float[image.Data.Length];
        var scratch = new float[plane];
        for (int c = 0; c < image.Channels; c++)
            PlaneFilters.Separable(image.Data.AsSpan(c * plane, plane), result.AsSpan(c * plane, plane), scratch, image.Height, image.Width, taps);
        return new HostImage(image.Channels, image.Height, image.Width, result);
    }

    private static HostImage Downsample(HostImage image)
    {
        int plane = image.Width * image.Height, h2 = (image.Height + 1) / 2, w2 = (image.Width + 1) / 2;
        var result = new float[image.Channels * h2 * w2];
        for (int c = 0; c < image.Channels; c++)
            PlaneFilters.Downsample(image.Data.AsSpan(c * plane, plane), result.AsSpan(c * h2 * w2, h2 * w2), image.Height, image.Width);
        return new HostImage(image.Channels, h2, w2, result);
    }
}
