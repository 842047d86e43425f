using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Tracking.Tests.Support;

/// <summary>
/// A frame-to-source similarity: source = centreS + s·R(θ)·(p − centreF) + t. Frames are rendered by sampling a
/// real photograph (bicubic), so the ground-truth motion of every scene point is known exactly.
/// </summary>
internal readonly record struct Similarity(double Angle, double Scale, double Tx, double Ty)
{
    public (double X, double Y) FrameToSource(double x, double y, double cf, double cs)
    {
        double dx = x - cf, dy = y - cf, c = Math.Cos(Angle) * Scale, s = Math.Sin(Angle) * Scale;
        return (cs + c * dx - s * dy + Tx, cs + s * dx + c * dy + Ty);
    }

    public (double X, double Y) SourceToFrame(double sx, double sy, double cf, double cs)
    {
        double dx = sx - cs - Tx, dy = sy - cs - Ty, c = Math.Cos(Angle) / Scale, s = Math.Sin(Angle) / Scale;
        return (cf + c * dx + s * dy, cf - s * dx + c * dy);
    }
}

/// <summary>Ground-truth clips built by moving real image content with known motion.</summary>
internal static class SyntheticClips
{
    /// <summary>
    /// Renders <paramref name="motions"/>.Length frames of size×size from a square <paramref name="source"/>
    /// <c>[3, S, S]</c> (one frame pixel = S/512 source pixels); the frame centre maps to the source centre under each
    /// similarity. Each frame pixel averages 2×2 bilinear samples, like a camera sensor integrating light.
    /// </summary>
    public static VideoClip Render(Tensor source, int size, IReadOnlyList<Similarity> motions)
    {
        using var scope = NewDisposeScope();
        long s = source.shape[2];
        double k = s / 512.0, cf = (size - 1) / 2.0, cs = (s - 1) / 2.0;
        int n = 2 * size;
        var frames = new List<Tensor>();
        foreach (var m in motions)
        {
            var grid = new float[n * n * 2];
            double cos = Math.Cos(m.Angle) * m.Scale, sin = Math.Sin(m.Angle) * m.Scale;
            for (int Y = 0; Y < n; Y++)
                for (int X = 0; X < n; X++)
                {
                    double dx = (X - 0.5) / 2 - cf, dy = (Y - 0.5) / 2 - cf;
                    double sx = cs + k * (cos * dx - sin * dy + m.Tx), sy = cs + k * (sin * dx + cos * dy + m.Ty);
                    grid[(Y * n + X) * 2] = (float)(sx * 2 / (s - 1) - 1);
                    grid[(Y * n + X) * 2 + 1] = (float)(sy * 2 / (source.shape[1] - 1) - 1);
                }
            var g = torch.tensor(grid, new long[] { 1, n, n, 2 });
            var f = F.grid_sample(source.unsqueeze(0), g, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: true);
            frames.Add(F.avg_pool2d(f, 2)[0].clamp(0, 1));
        }
        return new VideoClip(torch.stack(frames).MoveToOuterDisposeScope(), 8);
    }

    /// <summary>Frame-0 scene point → its position in frame i.</summary>
    public static (double X, double Y) Project(double x0, double y0, Similarity m0, Similarity mi, int size)
    {
        double cf = (size - 1) / 2.0;
        var (sx, sy) = m0.FrameToSource(x0, y0, cf, 0);
        return mi.SourceToFrame(sx, sy, cf, 0);
    }

    /// <summary>
    /// A textured disk (cut from <paramref name="objectTexture"/>, which moves with it) of radius
    /// <paramref name="radius"/> whose centre follows <paramref name="centres"/>, over the static
    /// <paramref name="background"/> <c>[3, size, size]</c>. Edges are anti-aliased; the masks are the pixel centres
    /// inside the disk.
    /// </summary>
    public static (VideoClip Clip, BinaryMask[] Masks) MovingDisk(Tensor background, Tensor objectTexture, double radius,
        IReadOnlyList<(double X, double Y)> centres)
    {
        using var scope = NewDisposeScope();
        int h = (int)background.shape[1], w = (int)background.shape[2];
        long ts = objectTexture.shape[2];
        var frames = new List<Tensor>();
        var masks = new BinaryMask[centres.Count];
        for (int i = 0; i < centres.Count; i++)
        {
            var (cx, cy) = centres[i];
            var grid = new float[h * w * 2];
            var alpha = new float[h * w];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double dx = x - cx, dy = y - cy;
                    // Texture coordinates move with the disk: texture centre under the disk centre.
                    double tx = (ts - 1) / 2.0 + dx, ty = (objectTexture.shape[1] - 1) / 2.0 + dy;
                    grid[(y * w + x) * 2] = (float)(tx * 2 / (ts - 1) - 1);
                    grid[(y * w + x) * 2 + 1] = (float)(ty * 2 / (objectTexture.shape[1] - 1) - 1);
                    double d = Math.Sqrt(dx * dx + dy * dy);
                    alpha[y * w + x] = (float)Math.Clamp(radius + 0.5 - d, 0, 1);
                }
            var g = torch.tensor(grid, new long[] { 1, h, w, 2 });
            var obj = F.grid_sample(objectTexture.unsqueeze(0), g, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: true)[0].clamp(0, 1);
            var a = torch.tensor(alpha, new long[] { 1, h, w });
            frames.Add(background * (1 - a) + obj * a);
            masks[i] = BinaryMask.FromFunction(w, h, (x, y) => (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius);
        }
        return (new VideoClip(torch.stack(frames).MoveToOuterDisposeScope(), 8), masks);
    }

    /// <summary>Intersection over union of two equally sized masks.</summary>
    public static double IoU(BinaryMask a, BinaryMask b)
    {
        int inter = 0, union = 0;
        var va = a.Values; var vb = b.Values;
        for (int i = 0; i < va.Length; i++) { if (va[i] && vb[i]) inter++; if (va[i] || vb[i]) union++; }
        return union == 0 ? 1 : (double)inter / union;
    }
}
