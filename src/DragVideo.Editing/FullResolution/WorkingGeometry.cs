using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.FullResolution;

/// <summary>
/// The working clip's frame against the source's: a separable scale with pixel centres aligned
/// (<c>x_w = (x_s + ½)·w/W − ½</c>), no crop, so every source pixel has a working counterpart.
/// </summary>
internal sealed record WorkingGeometry(int SourceWidth, int SourceHeight, int Width, int Height)
{
    /// <summary>The working size for a source: <paramref name="workingWidth"/> wide (never wider than the source), height by aspect, both rounded to the multiple.</summary>
    public static WorkingGeometry For(int sourceWidth, int sourceHeight, int workingWidth, int multipleOf)
    {
        int w = Math.Min(workingWidth, sourceWidth);
        int h = Math.Max(1, (int)Math.Round((double)sourceHeight * w / sourceWidth));
        w = Round(w, multipleOf, sourceWidth);
        h = Round(h, multipleOf, sourceHeight);
        return new WorkingGeometry(sourceWidth, sourceHeight, w, h);
    }

    private static int Round(int v, int m, int limit)
    {
        if (m <= 1) return v;
        int r = Math.Max(m, (int)Math.Round(v / (double)m) * m);
        return r > limit && limit >= m ? limit / m * m : r;
    }

    /// <summary>Working x of a source x.</summary>
    public float ToWorkingX(float x) => (x + 0.5f) * Width / SourceWidth - 0.5f;

    /// <summary>Working y of a source y.</summary>
    public float ToWorkingY(float y) => (y + 0.5f) * Height / SourceHeight - 0.5f;

    /// <summary>A source point in working pixels (clamped into the working frame).</summary>
    public DragPoint ToWorking(DragPoint p) =>
        new(Math.Clamp(ToWorkingX(p.X), 0, Width - 1), Math.Clamp(ToWorkingY(p.Y), 0, Height - 1));

    /// <summary>A working point in source pixels.</summary>
    public DragPoint ToSource(DragPoint p) =>
        new((p.X + 0.5f) * SourceWidth / Width - 0.5f, (p.Y + 0.5f) * SourceHeight / Height - 0.5f);

    /// <summary>
    /// A source-size mask at working size: a working pixel is editable when any source pixel it covers is (so no
    /// editable source pixel is lost).
    /// </summary>
    public BinaryMask ToWorking(BinaryMask mask)
    {
        if (mask.Width != SourceWidth || mask.Height != SourceHeight)
            throw new ArgumentException($"the mask is {mask.Width}×{mask.Height}; the source is {SourceWidth}×{SourceHeight}.", nameof(mask));
        using var scope = NewDisposeScope();
        var t = mask.ToTensor().unsqueeze(0).unsqueeze(0);
        var pooled = F.adaptive_max_pool2d(t, new long[] { Height, Width })[0, 0];
        return BinaryMask.FromTensor(pooled);
    }
}
