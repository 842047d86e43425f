using DragVideo.Tracking.Imaging;

namespace DragVideo.Editing.Metrics;

/// <summary>
/// The flow-derived measures of <see cref="EditMetrics"/> over managed images: paper Eq. 8's per-pair maximum flow, the
/// warp error, and the flow at a point. They equal the LibTorch formulation the metrics had before (same pixels, same
/// bilinear sampling as <c>grid_sample</c> with align-corners coordinates; kept in the tests as the oracle) but make no
/// LibTorch call, so the metrics can run them on worker threads (docs/performance.md "Threads").
/// </summary>
internal static class HostFlowMeasures
{
    /// <summary>Rows and columns at least <paramref name="margin"/> from the edge (every pixel when the frame is too small).</summary>
    public static (int Y0, int Y1, int X0, int X1) Interior(int height, int width, int margin) =>
        height <= 2 * margin + 1 || width <= 2 * margin + 1 ? (0, height, 0, width) : (margin, height - margin, margin, width - margin);

    /// <summary>Largest flow magnitude <c>|flow(x)|</c> over the interior (Eq. 8's inner maximum).</summary>
    /// <param name="flow">the flow, <c>[2, H, W]</c> (u plane, then v plane), pixels.</param>
    /// <param name="margin">border excluded, pixels.</param>
    public static double MaxMagnitude(HostImage flow, int margin)
    {
        var (y0, y1, x0, x1) = Interior(flow.Height, flow.Width, margin);
        int w = flow.Width, plane = w * flow.Height;
        var d = flow.Data;
        float best = 0;
        for (int y = y0; y < y1; y++)
            for (int x = x0, i = y * w + x0; x < x1; x++, i++)
            {
                float u = d[i], v = d[plane + i];
                best = MathF.Max(best, u * u + v * v);
            }
        return MathF.Sqrt(best);
    }

    /// <summary>
    /// Mean over the interior pixels whose flow stays inside the frame of the channel mean of
    /// <c>|b(x + flow(x)) − a(x)|</c> (0 when no pixel qualifies).
    /// </summary>
    /// <param name="a">frame t, <c>[C, H, W]</c>.</param>
    /// <param name="b">frame t+1, same size.</param>
    /// <param name="flow">flow a→b, <c>[2, H, W]</c>, pixels.</param>
    /// <param name="margin">border excluded, pixels.</param>
    public static double WarpError(HostImage a, HostImage b, HostImage flow, int margin)
    {
        var (y0, y1, x0, x1) = Interior(a.Height, a.Width, margin);
        int w = a.Width, h = a.Height, plane = w * h, channels = a.Channels;
        var sample = new float[channels];
        double sum = 0;
        long count = 0;
        for (int y = y0; y < y1; y++)
            for (int x = x0, i = y * w + x0; x < x1; x++, i++)
            {
                float gx = x + flow.Data[i], gy = y + flow.Data[plane + i];
                if (!(gx >= 0 && gx <= w - 1 && gy >= 0 && gy <= h - 1)) continue;
                b.Sample(gx, gy, sample, 0, 1);
                float err = 0;
                for (int c = 0; c < channels; c++) err += MathF.Abs(sample[c] - a.Data[c * plane + i]);
                sum += err / channels;
                count++;
            }
        return count == 0 ? 0 : sum / count;
    }

    /// <summary>Where the flow takes <paramref name="p"/>: <c>p + flow(p)</c>, the flow sampled bilinearly (border clamped).</summary>
    public static DragPoint Follow(HostImage flow, DragPoint p)
    {
        var uv = new float[2];
        flow.Sample(p.X, p.Y, uv, 0, 1);
        return new DragPoint(p.X + uv[0], p.Y + uv[1]);
    }
}
