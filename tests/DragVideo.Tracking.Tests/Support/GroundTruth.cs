namespace DragVideo.Tracking.Tests.Support;

/// <summary>Ground-truth motions and error statistics for the tracking tests.</summary>
internal static class GroundTruth
{
    public const int Size = 256;
    public const int Frames = 16;

    /// <summary>Sub-pixel translation, 1.7 px right and 1.1 px up of content per frame.</summary>
    public static Similarity[] Translation() =>
        Enumerable.Range(0, Frames).Select(i => new Similarity(0, 1, -1.7 * i, 1.1 * i)).ToArray();

    /// <summary>1° rotation, 1 % zoom and a small pan per frame (15° and ×1.16 over the clip).</summary>
    public static Similarity[] RotationAndScale() =>
        Enumerable.Range(0, Frames).Select(i => new Similarity(i * Math.PI / 180, 1.0 / (1 + 0.01 * i), 0.6 * i, -0.4 * i)).ToArray();

    /// <summary>A 5×5 grid of scene points in the central part of frame 0.</summary>
    public static DragPoint[] GridPoints(int count = 5, float lo = 70, float hi = 186)
    {
        var pts = new List<DragPoint>();
        for (int y = 0; y < count; y++)
            for (int x = 0; x < count; x++)
                pts.Add(new DragPoint(lo + (hi - lo) * x / (count - 1) + 0.3f, lo + (hi - lo) * y / (count - 1) - 0.2f));
        return pts.ToArray();
    }

    /// <summary>Where the frame-0 point p is in frame i.</summary>
    public static DragPoint At(Similarity[] motion, DragPoint p, int i)
    {
        var (x, y) = SyntheticClips.Project(p.X, p.Y, motion[0], motion[i], Size);
        return new DragPoint((float)x, (float)y);
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }
}
