using static TorchSharp.torch;

namespace DragVideo.Tracking.Imaging;

/// <summary>
/// A Gaussian pyramid of one frame with per-level gradients. Level 0 is the frame; level l+1 pixel (x, y) is level-l
/// pixel (2x, 2y). Tensors are float32 CPU <c>[1, C, H_l, W_l]</c>, owned by this object.
/// </summary>
internal sealed class FramePyramid : IDisposable
{
    private FramePyramid(Tensor[] levels, Tensor[] gx, Tensor[] gy)
    {
        Levels = levels;
        GradX = gx;
        GradY = gy;
    }

    /// <summary>Image per level, <c>[1, C, H_l, W_l]</c>.</summary>
    public Tensor[] Levels { get; }

    /// <summary>∂I/∂x per level.</summary>
    public Tensor[] GradX { get; }

    /// <summary>∂I/∂y per level.</summary>
    public Tensor[] GradY { get; }

    private HostImage[]? _host, _hostGx, _hostGy;

    /// <summary>Managed copies of the levels (made on first use).</summary>
    public HostImage[] HostLevels => _host ??= Levels.Select(HostImage.FromTensor).ToArray();

    /// <summary>Managed copies of ∂I/∂x per level (made on first use).</summary>
    public HostImage[] HostGradX => _hostGx ??= GradX.Select(HostImage.FromTensor).ToArray();

    /// <summary>Managed copies of ∂I/∂y per level (made on first use).</summary>
    public HostImage[] HostGradY => _hostGy ??= GradY.Select(HostImage.FromTensor).ToArray();

    /// <summary>Number of levels.</summary>
    public int Count => Levels.Length;

    /// <summary>Width of level 0.</summary>
    public long Width => Levels[0].shape[3];

    /// <summary>Height of level 0.</summary>
    public long Height => Levels[0].shape[2];

    /// <summary>How many levels fit when the coarsest side must stay ≥ <paramref name="minSize"/>.</summary>
    public static int LevelCount(long width, long height, int maxLevels, int minSize)
    {
        int n = 1;
        long w = width, h = height;
        while (n < maxLevels && (w + 1) / 2 >= minSize && (h + 1) / 2 >= minSize) { w = (w + 1) / 2; h = (h + 1) / 2; n++; }
        return n;
    }

    /// <summary>Builds the pyramid of <paramref name="image"/> <c>[1, C, H, W]</c> (not taken over).</summary>
    public static FramePyramid Build(Tensor image, int levels, double preSmoothSigma = 0)
    {
        var lv = new Tensor[levels];
        var gx = new Tensor[levels];
        var gy = new Tensor[levels];
        using (var scope = NewDisposeScope())
        {
            var cur = image.to_type(ScalarType.Float32).contiguous();
            if (preSmoothSigma > 0) cur = ImageOps.GaussianBlur(cur, preSmoothSigma);
            for (int l = 0; l < levels; l++)
            {
                if (l > 0) cur = ImageOps.Downsample(cur);
                lv[l] = cur.clone().DetachFromDisposeScope();
                var (x, y) = ImageOps.Gradients(cur);
                gx[l] = x.DetachFromDisposeScope();
                gy[l] = y.DetachFromDisposeScope();
            }
        }
        return new FramePyramid(lv, gx, gy);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in Levels) t.Dispose();
        foreach (var t in GradX) t.Dispose();
        foreach (var t in GradY) t.Dispose();
    }
}
