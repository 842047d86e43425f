using DragVideo.Tracking.Imaging;

namespace DragVideo.Editing.Metrics;

/// <summary>
/// Finds where a patch of one frame went in another frame: exhaustive sum-of-squared-differences search in a window,
/// refined to sub-pixel precision by a parabola through the minimum and its neighbours. This is our weight-free
/// stand-in for DragBench's DIFT feature matching. It works on managed planes (<see cref="HostImage"/> <c>[C, H, W]</c>)
/// and makes no LibTorch call, so the metrics run it on worker threads beside the flow (docs/performance.md "Threads");
/// a window of a few thousand centres costs a few milliseconds.
/// </summary>
internal static class PatchLocator
{
    /// <summary>A located point and the SSD of its patch against the template (lower = better match).</summary>
    internal readonly record struct Match(DragPoint Point, double Ssd);

    /// <summary>
    /// The square patch of radius <paramref name="radius"/> centred at a sub-pixel point, bilinear with the border
    /// replicated: <c>[C, k, k]</c> row-major, <c>k = 2·radius + 1</c>.
    /// </summary>
    internal static float[] Patch(HostImage frame, DragPoint centre, int radius)
    {
        int k = 2 * radius + 1;
        var patch = new float[frame.Channels * k * k];
        frame.SampleSquare(centre, radius, patch);
        return patch;
    }

    /// <summary>SSD between <paramref name="template"/> and the patch of <paramref name="frame"/> at <paramref name="centre"/>.</summary>
    internal static double SsdAt(HostImage frame, float[] template, DragPoint centre, int radius)
    {
        var patch = Patch(frame, centre, radius);
        double ssd = 0;
        for (int i = 0; i < patch.Length; i++)
        {
            double d = patch[i] - template[i];
            ssd += d * d;
        }
        return ssd;
    }

    /// <summary>
    /// Searches <paramref name="frame"/> for <paramref name="template"/> (<see cref="Patch"/>'s layout) with centres on
    /// the pixels of the box <c>[x0, x1] × [y0, y1]</c> (clipped to the frame); pixels beyond the border repeat it.
    /// </summary>
    internal static Match Search(HostImage frame, float[] template, int radius, int x0, int y0, int x1, int y1)
    {
        int h = frame.Height, w = frame.Width, k = 2 * radius + 1, channels = frame.Channels;
        if (template.Length != channels * k * k)
            throw new ArgumentException($"the template has {template.Length} values; a radius-{radius} patch of {channels} channels has {channels * k * k}.", nameof(template));
        x0 = Math.Clamp(x0, 0, w - 1); x1 = Math.Clamp(x1, x0, w - 1);
        y0 = Math.Clamp(y0, 0, h - 1); y1 = Math.Clamp(y1, y0, h - 1);
        int mw = x1 - x0 + 1, mh = y1 - y0 + 1;
        // The window with the border replicated, so every candidate's patch is a plain k × k block of it.
        int rw = mw + k - 1, rh = mh + k - 1, regionPlane = rw * rh, plane = w * h;
        var region = new float[channels * regionPlane];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < rh; y++)
            {
                int sy = Math.Clamp(y0 - radius + y, 0, h - 1);
                for (int x = 0; x < rw; x++)
                    region[c * regionPlane + y * rw + x] = frame.Data[c * plane + sy * w + Math.Clamp(x0 - radius + x, 0, w - 1)];
            }

        var ssd = new double[mw * mh];
        for (int my = 0; my < mh; my++)
            for (int mx = 0; mx < mw; mx++)
            {
                double sum = 0;
                for (int c = 0; c < channels; c++)
                {
                    int t = c * k * k;
                    for (int py = 0; py < k; py++)
                    {
                        var row = region.AsSpan(c * regionPlane + (my + py) * rw + mx, k);
                        var tr = template.AsSpan(t + py * k, k);
                        for (int px = 0; px < k; px++)
                        {
                            float d = row[px] - tr[px];
                            sum += d * d;
                        }
                    }
                }
                ssd[my * mw + mx] = sum;
            }

        int best = 0;
        for (int i = 1; i < ssd.Length; i++) if (ssd[i] < ssd[best]) best = i;
        int by = best / mw, bx = best % mw;
        double ox = bx > 0 && bx < mw - 1 ? Vertex(ssd[best - 1], ssd[best], ssd[best + 1]) : 0;
        double oy = by > 0 && by < mh - 1 ? Vertex(ssd[best - mw], ssd[best], ssd[best + mw]) : 0;
        return new Match(new DragPoint((float)(x0 + bx + ox), (float)(y0 + by + oy)), ssd[best]);
    }

    /// <summary>Offset in [-½, ½] of the minimum of the parabola through three equally spaced samples.</summary>
    internal static double Vertex(double left, double centre, double right)
    {
        double curvature = left - 2.0 * centre + right;
        return curvature > 1e-12 ? Math.Clamp((left - right) / (2 * curvature), -0.5, 0.5) : 0;
    }
}
