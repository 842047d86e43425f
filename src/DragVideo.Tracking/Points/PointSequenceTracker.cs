using DragVideo.Tracking.Imaging;

namespace DragVideo.Tracking;

/// <summary>
/// Tracks points through consecutive frames with <see cref="LucasKanadeTracker"/>. Each point keeps a reference window
/// (where it was last confirmed); a step is accepted only when the forward–backward, step-appearance and
/// reference-appearance checks all pass. A point that fails is marked occluded, moved with the median motion of the
/// points still visible, and re-acquired from its reference window as soon as that matches again.
/// </summary>
internal sealed class PointSequenceTracker
{
    // Refresh the reference window when the point still matches it but has drifted in appearance (rotation, zoom),
    // so slow appearance change is followed while a sudden change (occluder) is caught.
    private const float ReferenceRefreshZncc = 0.8f;

    private readonly LucasKanadeTracker _lk;

    public PointSequenceTracker(LucasKanadeTracker lk) => _lk = lk;

    /// <summary>Tracks <paramref name="points"/> (exact on <paramref name="start"/>) to <paramref name="end"/>.</summary>
    public TrackSeries Track(PyramidCache cache, int start, int end, IReadOnlyList<DragPoint> points, int width, int height,
        CancellationToken cancellationToken)
    {
        int n = points.Count, step = end >= start ? 1 : -1;
        var series = new TrackSeries(Math.Min(start, end), Math.Max(start, end), n);
        var pos = points.ToArray();
        var lost = new bool[n];
        var refFrame = new int[n];
        var refPos = points.ToArray();
        int area = _lk.WindowArea;
        var startPyr = cache.Get(start);
        int channels = startPyr.Levels[0].Channels;
        var refPatch = new float[n][];
        for (int i = 0; i < n; i++)
        {
            refFrame[i] = start;
            refPatch[i] = new float[area * channels];
            _lk.ExtractPatch(startPyr.Levels[0], pos[i], refPatch[i]);
        }
        Record(series, start, pos, lost, Enumerable.Repeat(1f, n).ToArray(), width, height);
        var patch = new float[area * channels];
        float fbLimit = (float)_lk.Options.ForwardBackwardThreshold, appLimit = (float)_lk.Options.AppearanceThreshold;
        for (int t = start + step; step > 0 ? t <= end : t >= end; t += step)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var prevPyr = cache.Get(t - step);
            var curPyr = cache.Get(t);
            var conf = new float[n];
            var active = Enumerable.Range(0, n).Where(i => !lost[i]).ToArray();
            var moves = new List<(float Dx, float Dy)>();
            if (active.Length > 0)
            {
                var res = _lk.TrackChecked(prevPyr, curPyr, active.Select(i => pos[i]).ToArray(), null);
                for (int k = 0; k < active.Length; k++)
                {
                    int i = active[k];
                    var r = res[k];
                    bool ok = r.Found;
                    float refZncc = 0;
                    if (ok)
                    {
                        _lk.ExtractPatch(curPyr.Levels[0], r.Position, patch);
                        refZncc = LucasKanadeTracker.Zncc(refPatch[i], patch);
                        ok = 1 - refZncc <= appLimit;
                    }
                    if (ok)
                    {
                        moves.Add((r.Position.X - pos[i].X, r.Position.Y - pos[i].Y));
                        pos[i] = r.Position;
                        conf[i] = r.Confidence;
                        if (refZncc < ReferenceRefreshZncc)
                        {
                            refFrame[i] = t;
                            refPos[i] = r.Position;
                            Array.Copy(patch, refPatch[i], patch.Length);
                        }
                    }
                    else
                    {
                        lost[i] = true;
                    }
                }
            }
            var (mx, my) = Median(moves);
            var missing = Enumerable.Range(0, n).Where(i => lost[i]).ToArray();
            foreach (var i in missing) pos[i] = new DragPoint(pos[i].X + mx, pos[i].Y + my);
            // Re-acquire occluded points from their reference windows, grouped by reference frame.
            foreach (var group in missing.GroupBy(i => refFrame[i]))
            {
                var idx = group.ToArray();
                var res = _lk.TrackChecked(cache.Get(group.Key), curPyr, idx.Select(i => refPos[i]).ToArray(), idx.Select(i => pos[i]).ToArray());
                for (int k = 0; k < idx.Length; k++)
                {
                    var r = res[k];
                    // Stricter than tracking: a re-found point must match its reference window closely.
                    if (r.Found && r.ForwardBackwardError <= fbLimit * 0.5f && r.AppearanceError <= appLimit * 0.5f)
                    {
                        int i = idx[k];
                        lost[i] = false;
                        pos[i] = r.Position;
                        conf[i] = r.Confidence;
                    }
                }
            }
            Record(series, t, pos, lost, conf, width, height);
        }
        return series;
    }

    private static void Record(TrackSeries s, int frame, DragPoint[] pos, bool[] lost, float[] conf, int width, int height)
    {
        int k = frame - s.First;
        for (int i = 0; i < pos.Length; i++)
        {
            var p = pos[i];
            bool inside = p.IsFinite && p.IsInside(width, height);
            s.Positions[k][i] = p.IsFinite
                ? new DragPoint(Math.Clamp(p.X, 0, width - 1), Math.Clamp(p.Y, 0, height - 1))
                : new DragPoint((width - 1) / 2f, (height - 1) / 2f);
            s.Visible[k][i] = !lost[i] && inside;
            s.Confidence[k][i] = s.Visible[k][i] ? Math.Clamp(conf[i], 0, 1) : 0f;
        }
    }

    private static (float, float) Median(List<(float Dx, float Dy)> moves)
    {
        if (moves.Count == 0) return (0, 0);
        var xs = moves.Select(m => m.Dx).OrderBy(v => v).ToArray();
        var ys = moves.Select(m => m.Dy).OrderBy(v => v).ToArray();
        return (xs[xs.Length / 2], ys[ys.Length / 2]);
    }
}
