using DragVideo.Tracking.Imaging;
using static TorchSharp.torch;

namespace DragVideo.Tracking;

/// <summary>
/// Sparse pyramidal Lucas–Kanade point tracker (Bouguet's formulation: translation-only windows, template gradients,
/// Gauss–Newton iterations per level, sub-pixel bilinear sampling) with a forward–backward consistency check and a
/// ZNCC appearance check that flag lost or occluded points. Pyramids are built with TorchSharp; the per-point
/// iterations run on managed copies of the levels, which is far faster than tensor calls for a few hundred points.
/// </summary>
public sealed class LucasKanadeTracker
{
    private readonly float[] _offX, _offY, _weight;

    /// <summary>Creates the tracker with <paramref name="options"/> (defaults when null).</summary>
    public LucasKanadeTracker(LucasKanadeOptions? options = null)
    {
        Options = (options ?? new LucasKanadeOptions()).Validate();
        int r = Options.WindowRadius, n = 2 * r + 1;
        _offX = new float[n * n];
        _offY = new float[n * n];
        _weight = new float[n * n];
        double sigma = Math.Max(1.0, r * 0.6), sum = 0;
        for (int y = -r, k = 0; y <= r; y++)
            for (int x = -r; x <= r; x++, k++)
            {
                _offX[k] = x;
                _offY[k] = y;
                double w = Math.Exp(-0.5 * (x * x + y * y) / (sigma * sigma));
                _weight[k] = (float)w;
                sum += w;
            }
        for (int k = 0; k < _weight.Length; k++) _weight[k] = (float)(_weight[k] / sum);
    }

    /// <summary>The settings in use.</summary>
    public LucasKanadeOptions Options { get; }

    /// <summary>Number of pixels in one tracking window.</summary>
    internal int WindowArea => _offX.Length;

    /// <summary>
    /// Tracks <paramref name="points"/> of frame <paramref name="from"/> into frame <paramref name="to"/> (both float
    /// <c>[3, H, W]</c> in [0, 1], same size), starting from <paramref name="initialGuesses"/> (default: the points
    /// themselves), and checks each result by tracking back.
    /// </summary>
    /// <exception cref="ArgumentException">frames of different size or shape, a guess list of another length, or a
    /// point that is not finite or lies outside the frame (the message names its index).</exception>
    public IReadOnlyList<PointTrack> Track(Tensor from, Tensor to, IReadOnlyList<DragPoint> points, IReadOnlyList<DragPoint>? initialGuesses = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(points);
        if (from.dim() != 3 || from.shape[0] != 3) throw new ArgumentException($"a frame must be [3, H, W]; got [{string.Join(", ", from.shape)}].", nameof(from));
        if (!from.shape.SequenceEqual(to.shape)) throw new ArgumentException($"frames differ: [{string.Join(", ", from.shape)}] vs [{string.Join(", ", to.shape)}].", nameof(to));
        if (initialGuesses is not null && initialGuesses.Count != points.Count)
            throw new ArgumentException($"{initialGuesses.Count} guesses for {points.Count} points.", nameof(initialGuesses));
        int w = (int)from.shape[2], h = (int)from.shape[1];
        for (int i = 0; i < points.Count; i++)
            if (!points[i].IsFinite || !points[i].IsInside(w, h))
                throw new ArgumentException($"points[{i}] = ({points[i].X}, {points[i].Y}) is outside the {w}×{h} frame.", nameof(points));
        TorchRuntime.EnsureLoaded();
        using var threads = TorchThreadLimit.Use(Options.TorchThreads);
        using var scope = NewDisposeScope();
        var a = BuildPyramid(from.unsqueeze(0));
        var b = BuildPyramid(to.unsqueeze(0));
        return TrackChecked(a, b, points, initialGuesses);
    }

    /// <summary>Builds the pyramid this tracker needs for a frame <c>[1, 3, H, W]</c>.</summary>
    internal FramePyramid BuildPyramid(Tensor frame)
    {
        int levels = FramePyramid.LevelCount(frame.shape[3], frame.shape[2], Options.MaxLevels, Options.MinLevelSize);
        return FramePyramid.Build(frame, levels);
    }

    /// <summary>Forward track, backward check and appearance check between two pyramids.</summary>
    internal PointTrack[] TrackChecked(FramePyramid a, FramePyramid b, IReadOnlyList<DragPoint> points, IReadOnlyList<DragPoint>? guesses)
    {
        int n = points.Count;
        var fwd = TrackRaw(a, b, points, guesses);
        var back = TrackRaw(b, a, fwd, points);
        var result = new PointTrack[n];
        int area = WindowArea, c = a.Levels[0].Channels;
        var pa = new float[area * c];
        var pb = new float[area * c];
        for (int i = 0; i < n; i++)
        {
            float fb = back[i].DistanceTo(points[i]);
            ExtractPatch(a.Levels[0], points[i], pa);
            ExtractPatch(b.Levels[0], fwd[i], pb);
            float ncc = Zncc(pa, pb);
            float app = 1 - ncc;
            bool inside = fwd[i].IsFinite && fwd[i].IsInside(a.Width, a.Height);
            bool found = inside && fb <= Options.ForwardBackwardThreshold && app <= Options.AppearanceThreshold;
            double q = fb / Options.ForwardBackwardThreshold;
            float conf = inside ? (float)(Math.Exp(-0.5 * q * q) * Math.Max(0, ncc)) : 0f;
            if (!float.IsFinite(conf)) conf = 0;
            result[i] = new PointTrack(fwd[i].IsFinite ? fwd[i] : points[i], found, fb, app, conf);
        }
        return result;
    }

    /// <summary>Copies the colour window around <paramref name="p"/> (channel-major) into <paramref name="dst"/>.</summary>
    internal void ExtractPatch(HostImage img, DragPoint p, float[] dst) => img.SampleSquare(p, Options.WindowRadius, dst);

    /// <summary>Zero-mean normalised cross-correlation of two equally long vectors (1 for two flat patches).</summary>
    internal static float Zncc(float[] a, float[] b)
    {
        double ma = 0, mb = 0;
        for (int i = 0; i < a.Length; i++) { ma += a[i]; mb += b[i]; }
        ma /= a.Length; mb /= b.Length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db; saa += da * da; sbb += db * db;
        }
        const double tiny = 1e-10;
        if (saa < tiny && sbb < tiny) return 1f;
        return (float)(sab / Math.Sqrt((saa + tiny) * (sbb + tiny)));
    }

    /// <summary>Pyramidal LK without checks: positions of <paramref name="points"/> (in a) in b.</summary>
    internal DragPoint[] TrackRaw(FramePyramid a, FramePyramid b, IReadOnlyList<DragPoint> points, IReadOnlyList<DragPoint>? guesses)
    {
        int n = points.Count, top = Math.Min(a.Count, b.Count) - 1, area = WindowArea;
        int c = a.Levels[0].Channels;
        var result = new DragPoint[n];
        var t = new float[area * c];
        var tx = new float[area * c];
        var ty = new float[area * c];
        var j = new float[area * c];
        for (int i = 0; i < n; i++)
        {
            var p = points[i];
            // Displacement at the coarsest level; level l+1 pixel x is level-l pixel 2x, so positions scale by 2^-l.
            double scaleTop = 1.0 / (1 << top);
            double dx = guesses is null ? 0 : (guesses[i].X - p.X) * scaleTop;
            double dy = guesses is null ? 0 : (guesses[i].Y - p.Y) * scaleTop;
            for (int l = top; l >= 0; l--)
            {
                float s = 1f / (1 << l);
                float px = p.X * s, py = p.Y * s;
                var ia = a.Levels[l];
                var gxa = a.GradX[l];
                var gya = a.GradY[l];
                var ib = b.Levels[l];
                double gxx = 0, gxy = 0, gyy = 0;
                for (int k = 0; k < area; k++)
                {
                    float x = px + _offX[k], y = py + _offY[k];
                    ia.Sample(x, y, t, k, area);
                    gxa.Sample(x, y, tx, k, area);
                    gya.Sample(x, y, ty, k, area);
                }
                for (int ch = 0; ch < c; ch++)
                    for (int k = 0; k < area; k++)
                    {
                        int q = ch * area + k;
                        float w = _weight[k];
                        gxx += w * tx[q] * tx[q]; gxy += w * tx[q] * ty[q]; gyy += w * ty[q] * ty[q];
                    }
                double reg = 1e-9 + 1e-6 * (gxx + gyy);
                gxx += reg; gyy += reg;
                double det = gxx * gyy - gxy * gxy;
                if (det > 0)
                {
                    for (int it = 0; it < Options.Iterations; it++)
                    {
                        float qx = (float)(px + dx), qy = (float)(py + dy);
                        for (int k = 0; k < area; k++) ib.Sample(qx + _offX[k], qy + _offY[k], j, k, area);
                        double bx = 0, by = 0;
                        for (int ch = 0; ch < c; ch++)
                            for (int k = 0; k < area; k++)
                            {
                                int q = ch * area + k;
                                double e = _weight[k] * (j[q] - t[q]);
                                bx += e * tx[q]; by += e * ty[q];
                            }
                        double ux = -(gyy * bx - gxy * by) / det;
                        double uy = -(gxx * by - gxy * bx) / det;
                        dx += ux; dy += uy;
                        if (ux * ux + uy * uy < Options.StopThreshold * Options.StopThreshold) break;
                    }
                }
                if (l > 0) { dx *= 2; dy *= 2; }
            }
            result[i] = new DragPoint((float)(p.X + dx), (float)(p.Y + dy));
        }
        return result;
    }
}
