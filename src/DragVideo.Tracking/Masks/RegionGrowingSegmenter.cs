using DragVideo.Tracking.Imaging;
using static TorchSharp.torch;

namespace DragVideo.Tracking;

/// <summary>Settings of <see cref="RegionGrowingSegmenter"/>.</summary>
public sealed record SegmenterOptions
{
    /// <summary>Gaussian smoothing (px) applied before comparing colours, which quiets fine texture. Default 1.5.</summary>
    public double SmoothingSigma { get; init; } = 1.5;

    /// <summary>Radius (px) of the disk around each click whose pixels seed the colour models. Default 12.</summary>
    public int ColourSampleRadius { get; init; } = 12;

    /// <summary>Radius (px) of the disk around each click that is fixed to its label. Default 3.</summary>
    public int SeedRadius { get; init; } = 3;

    /// <summary>
    /// Weight of the raw colour change in the path cost, relative to the change of the foreground probability. Default
    /// 0.05 (texture makes raw colour a poor edge cue).
    /// </summary>
    public double ColourWeight { get; init; } = 0.05;

    /// <summary>Gaussian smoothing (px) of the foreground-probability map before path costs are taken. Default 2.</summary>
    public double ProbabilitySigma { get; init; } = 2.0;

    /// <summary>
    /// Treat the frame border as background seeds (except near positive clicks). Without negative clicks the border is
    /// always used. Default true.
    /// </summary>
    public bool BorderIsBackground { get; init; } = true;

    /// <summary>Rounds of segmentation and colour-model re-estimation. Default 3.</summary>
    public int Iterations { get; init; } = 3;

    /// <summary>
    /// Opt-in: LibTorch intra-op threads to use during the call, restored afterwards. Default 0: the library leaves the
    /// process-wide setting alone. LibTorch's thread count is global, so a non-zero value also applies to torch work on
    /// other threads while the call runs; set it only in a host that runs one edit at a time, or instead set the count
    /// once at start-up (<c>torch.set_num_threads</c>). Tracking issues many small operations that run fastest on one
    /// thread (on a busy 2-core box one 256² flow took 59 ms with 1 thread, 2.9 s with 2).
    /// </summary>
    public int TorchThreads { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting outside its range.</summary>
    public SegmenterOptions Validate()
    {
        if (SmoothingSigma < 0) throw new ArgumentOutOfRangeException(nameof(SmoothingSigma), SmoothingSigma, "must be ≥ 0.");
        if (ColourSampleRadius < 1) throw new ArgumentOutOfRangeException(nameof(ColourSampleRadius), ColourSampleRadius, "must be ≥ 1.");
        if (SeedRadius < 0) throw new ArgumentOutOfRangeException(nameof(SeedRadius), SeedRadius, "must be ≥ 0.");
        if (ColourWeight < 0) throw new ArgumentOutOfRangeException(nameof(ColourWeight), ColourWeight, "must be ≥ 0.");
        if (ProbabilitySigma < 0) throw new ArgumentOutOfRangeException(nameof(ProbabilitySigma), ProbabilitySigma, "must be ≥ 0.");
        if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "must be ≥ 1.");
        if (TorchThreads < 0) throw new ArgumentOutOfRangeException(nameof(TorchThreads), TorchThreads, "must be ≥ 0 (0 = unchanged).");
        return this;
    }
}

/// <summary>
/// Weight-free <see cref="IMaskSegmenter"/> (the paper uses SAM): geodesic region growing from clicks with
/// GrabCut-style colour-model re-estimation. Foreground and background colour histograms (16³ bins of the smoothed
/// frame) are learnt around the positive and negative clicks (plus the frame border); every pixel is labelled by
/// whichever seed set reaches it by the cheaper path, where a step costs the change of the smoothed foreground
/// probability plus a little of the colour change (Bai and Sapiro's geodesic segmentation). The region connected to
/// the positive clicks is kept, its small holes filled, the models re-learnt from it, and the labelling repeated.
/// </summary>
public sealed class RegionGrowingSegmenter : IMaskSegmenter
{
    private const int Bins = 16;

    /// <summary>Creates the segmenter (default options when null).</summary>
    public RegionGrowingSegmenter(SegmenterOptions? options = null)
    {
        Options = (options ?? new SegmenterOptions()).Validate();
    }

    /// <summary>The settings in use.</summary>
    public SegmenterOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">the frame is not <c>[3, H, W]</c>, there is no positive click, or a click is
    /// outside the frame (the message names it).</exception>
    public BinaryMask Segment(Tensor frame, IReadOnlyList<DragPoint> positive, IReadOnlyList<DragPoint> negative)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(positive);
        ArgumentNullException.ThrowIfNull(negative);
        if (frame.dim() != 3 || frame.shape[0] != 3)
            throw new ArgumentException($"the frame must be [3, H, W]; got [{string.Join(", ", frame.shape)}].", nameof(frame));
        int h = (int)frame.shape[1], w = (int)frame.shape[2];
        if (positive.Count == 0) throw new ArgumentException("at least one positive click is needed.", nameof(positive));
        for (int i = 0; i < positive.Count; i++)
            if (!positive[i].IsFinite || !positive[i].IsInside(w, h))
                throw new ArgumentException($"positive[{i}] = ({positive[i].X}, {positive[i].Y}) is outside the {w}×{h} frame.", nameof(positive));
        for (int i = 0; i < negative.Count; i++)
            if (!negative[i].IsFinite || !negative[i].IsInside(w, h))
                throw new ArgumentException($"negative[{i}] = ({negative[i].X}, {negative[i].Y}) is outside the {w}×{h} frame.", nameof(negative));
        TorchRuntime.EnsureLoaded();
        using var threads = TorchThreadLimit.Use(Options.TorchThreads);
        HostImage img;
        using (var scope = NewDisposeScope())
            img = HostImage.FromTensor(ImageOps.GaussianBlur(frame.unsqueeze(0).to(CPU).to_type(ScalarType.Float32), Options.SmoothingSigma));
        int n = w * h, plane = n;
        var data = img.Data;

        // Colour models: 16³-bin histograms around the clicks (background: negative clicks, else the frame border).
        var bin = new int[n];
        for (int p = 0; p < n; p++)
        {
            int r = Math.Clamp((int)(data[p] * Bins), 0, Bins - 1);
            int g = Math.Clamp((int)(data[plane + p] * Bins), 0, Bins - 1);
            int b = Math.Clamp((int)(data[2 * plane + p] * Bins), 0, Bins - 1);
            bin[p] = (r * Bins + g) * Bins + b;
        }
        var fgHist = new double[Bins * Bins * Bins];
        var bgHist = new double[Bins * Bins * Bins];
        var label = new sbyte[n]; // 1 = fg seed, -1 = bg seed
        foreach (var c in positive) Paint(c, Options.ColourSampleRadius, p => fgHist[bin[p]]++, w, h);
        foreach (var c in positive) Paint(c, Options.SeedRadius, p => label[p] = 1, w, h);
        foreach (var c in negative) Paint(c, Options.ColourSampleRadius, p => bgHist[bin[p]]++, w, h);
        foreach (var c in negative) Paint(c, Options.SeedRadius, p => { if (label[p] == 0) label[p] = -1; }, w, h);
        if (Options.BorderIsBackground || negative.Count == 0)
        {
            for (int x = 0; x < w; x++) { MarkBorder(x); MarkBorder((h - 1) * w + x); }
            for (int y = 0; y < h; y++) { MarkBorder(y * w); MarkBorder(y * w + w - 1); }
        }
        void MarkBorder(int p)
        {
            // Border pixels near a positive click stay free, so objects touching the frame edge can be selected.
            float px = p % w, py = p / w, r = Options.ColourSampleRadius;
            foreach (var c in positive) if ((c.X - px) * (c.X - px) + (c.Y - py) * (c.Y - py) <= r * r) return;
            bgHist[bin[p]]++;
            if (label[p] == 0) label[p] = -1;
        }
        BinaryMask mask = new(w, h, label.Select(l => l == 1).ToArray());
        for (int round = 0; round < Math.Max(1, Options.Iterations); round++)
        {
            SmoothHistogram(fgHist);
            SmoothHistogram(bgHist);
            double fgTotal = fgHist.Sum(), bgTotal = bgHist.Sum();
            var prob = new float[n];
            for (int p = 0; p < n; p++)
            {
                double pf = fgHist[bin[p]] / fgTotal, pb = bgHist[bin[p]] / bgTotal;
                prob[p] = (float)(pf / (pf + pb + 1e-12));
            }
            // Paths are priced by the change of the (smoothed) foreground probability, not of the raw colour: on
            // textured content the raw colour changes everywhere, the probability mostly at the object's edge.
            var smooth = SmoothPlane(prob, w, h, Options.ProbabilitySigma);
            var distFg = Geodesic(data, smooth, label, 1, w, h);
            var distBg = Geodesic(data, smooth, label, -1, w, h);
            var values = new bool[n];
            for (int p = 0; p < n; p++) values[p] = label[p] == 1 || (label[p] != -1 && distFg[p] < distBg[p]);
            mask = KeepConnectedTo(new BinaryMask(w, h, values), positive);
            mask = MaskOperations.FillHoles(mask, Math.Max(16, mask.Count / 20));
            // Re-learn both colour models from the current segmentation (GrabCut-style), away from its edge.
            var inner = MaskOperations.Erode(mask, 2).Values;
            var outer = MaskOperations.Dilate(mask, 2).Values;
            Array.Clear(fgHist);
            Array.Clear(bgHist);
            for (int p = 0; p < n; p++)
            {
                if (inner[p] || label[p] == 1) fgHist[bin[p]]++;
                else if (!outer[p] || label[p] == -1) bgHist[bin[p]]++;
            }
        }
        return mask;
    }

    private static float[] SmoothPlane(float[] plane, int w, int h, double sigma)
    {
        if (sigma <= 0) return plane;
        using var scope = NewDisposeScope();
        var t = TorchSharp.torch.tensor(plane, new long[] { 1, 1, h, w });
        return ImageOps.GaussianBlur(t, sigma).contiguous().data<float>().ToArray();
    }

    private float[] Geodesic(float[] data, float[] prob, sbyte[] label, sbyte seed, int w, int h)
    {
        int n = w * h, plane = n;
        var dist = new float[n];
        Array.Fill(dist, float.PositiveInfinity);
        var queue = new PriorityQueue<int, float>();
        for (int p = 0; p < n; p++)
            if (label[p] == seed) { dist[p] = 0; queue.Enqueue(p, 0); }
        float colour = (float)Options.ColourWeight;
        Span<int> dx = stackalloc int[] { 1, -1, 0, 0, 1, 1, -1, -1 };
        Span<int> dy = stackalloc int[] { 0, 0, 1, -1, 1, -1, 1, -1 };
        while (queue.TryDequeue(out int p, out float d))
        {
            if (d > dist[p]) continue;
            int x = p % w, y = p / w;
            for (int k = 0; k < 8; k++)
            {
                int nx = x + dx[k], ny = y + dy[k];
                if ((uint)nx >= (uint)w || (uint)ny >= (uint)h) continue;
                int q = ny * w + nx;
                if (label[q] == -seed) continue;
                float dr = data[p] - data[q], dg = data[plane + p] - data[plane + q], db = data[2 * plane + p] - data[2 * plane + q];
                float step = (k < 4 ? 1f : 1.4142135f) * (0.002f + colour * MathF.Sqrt(dr * dr + dg * dg + db * db) + MathF.Abs(prob[p] - prob[q]));
                float nd = d + step;
                if (nd < dist[q]) { dist[q] = nd; queue.Enqueue(q, nd); }
            }
        }
        return dist;
    }

    private static void Paint(DragPoint c, int radius, Action<int> action, int w, int h)
    {
        int cx = (int)MathF.Round(c.X), cy = (int)MathF.Round(c.Y);
        for (int y = Math.Max(0, cy - radius); y <= Math.Min(h - 1, cy + radius); y++)
            for (int x = Math.Max(0, cx - radius); x <= Math.Min(w - 1, cx + radius); x++)
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius) action(y * w + x);
    }

    private static void SmoothHistogram(double[] hist)
    {
        // Neighbouring bins share counts, and every bin gets a small prior, so unseen colours stay undecided.
        var copy = (double[])hist.Clone();
        for (int r = 0; r < Bins; r++)
            for (int g = 0; g < Bins; g++)
                for (int b = 0; b < Bins; b++)
                {
                    double s = 0;
                    for (int dr = -1; dr <= 1; dr++)
                        for (int dg = -1; dg <= 1; dg++)
                            for (int db = -1; db <= 1; db++)
                            {
                                int rr = r + dr, gg = g + dg, bb = b + db;
                                if (rr < 0 || gg < 0 || bb < 0 || rr >= Bins || gg >= Bins || bb >= Bins) continue;
                                s += copy[(rr * Bins + gg) * Bins + bb] * (dr == 0 && dg == 0 && db == 0 ? 1 : 0.25);
                            }
                    hist[(r * Bins + g) * Bins + b] = s + 0.01;
                }
    }

    private static BinaryMask KeepConnectedTo(BinaryMask mask, IReadOnlyList<DragPoint> clicks)
    {
        int w = mask.Width, h = mask.Height;
        var v = mask.Values.ToArray();
        var keep = new bool[v.Length];
        var stack = new Stack<int>();
        foreach (var c in clicks)
        {
            int p = (int)MathF.Round(c.Y) * w + (int)MathF.Round(c.X);
            if (v[p] && !keep[p]) { keep[p] = true; stack.Push(p); }
        }
        while (stack.Count > 0)
        {
            int p = stack.Pop();
            int x = p % w, y = p / w;
            if (x > 0) Push(p - 1);
            if (x < w - 1) Push(p + 1);
            if (y > 0) Push(p - w);
            if (y < h - 1) Push(p + w);
        }
        return new BinaryMask(w, h, keep);

        void Push(int q)
        {
            if (v[q] && !keep[q]) { keep[q] = true; stack.Push(q); }
        }
    }
}
