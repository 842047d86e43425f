using DragVideo.Tracking.Imaging;

namespace DragVideo.Tracking;

/// <summary>
/// Weight-free <see cref="IPointPropagator"/> (the paper uses PIPs). Each key frame's handles are tracked forward to
/// the next key frame (or the clip's end) and backward to the previous one (or the start) with pyramidal
/// Lucas–Kanade and occlusion checks. Between two key frames A &lt; B, frame i blends both tracks with weights
/// <c>1 − α</c> and <c>α</c>, <c>α = (i − A)/(B − A)</c> (a side whose track is lost drops out). Targets follow the
/// released code's rule generalised to any key frames: tracked handle + <c>(1 − α)·v_A + α·v_B</c> where v is a key
/// frame's drag vector (or, with <see cref="PropagationOptions.TrackTargets"/>, the tracked target points). Key frames
/// reproduce their own pairs exactly. Tracked positions are clamped to the frame; a point that leaves it, or fails the
/// forward–backward / appearance checks, is reported with <c>Visible = false</c> and confidence 0.
/// </summary>
public sealed class FlowPointPropagator : IPointPropagator
{
    private readonly LucasKanadeTracker _lk;

    /// <summary>Creates the propagator (default <see cref="PropagationOptions"/> when null).</summary>
    public FlowPointPropagator(PropagationOptions? options = null)
    {
        Options = (options ?? new PropagationOptions()).Validate();
        _lk = new LucasKanadeTracker(Options.EffectiveTracker);
    }

    /// <summary>The settings in use.</summary>
    public PropagationOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidDragRequestException">a clip of fewer than two frames, key frames with different pair
    /// counts, or anything <see cref="DragRequestValidator"/> rejects (the field is named).</exception>
    public PointPropagation Propagate(VideoClip clip, IReadOnlyList<KeyframeDrag> keyframes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(keyframes);
        return PropagateValidated(clip, PropagationInput.Validate(clip, keyframes), cancellationToken);
    }

    /// <summary><see cref="Propagate"/> on key frames already checked and sorted by <see cref="PropagationInput.Validate"/>.</summary>
    internal PointPropagation PropagateValidated(VideoClip clip, IReadOnlyList<KeyframeDrag> keys, CancellationToken cancellationToken)
    {
        TorchRuntime.EnsureLoaded();
        using var threads = TorchThreadLimit.Use(Options.TorchThreads);
        int frames = clip.FrameCount, n = keys[0].Pairs.Count, w = clip.Width, h = clip.Height;
        var cache = new PyramidCache(clip, f => _lk.BuildPyramid(f));
        var seq = new PointSequenceTracker(_lk);
        var handles = TrackAll(seq, cache, keys, frames, w, h, k => k.Pairs.Select(p => p.Handle).ToArray(), cancellationToken);
        var targets = Options.TrackTargets
            ? TrackAll(seq, cache, keys, frames, w, h, k => k.Pairs.Select(p => p.Target).ToArray(), cancellationToken)
            : null;

        var pairs = new IReadOnlyList<DragPair>[frames];
        var visible = new IReadOnlyList<bool>[frames];
        var confidence = new IReadOnlyList<float>[frames];
        for (int f = 0; f < frames; f++)
        {
            var (kA, kB, alpha) = Neighbours(keys, f);
            if (kA == kB && keys[kA].FrameIndex == f)
            {
                pairs[f] = keys[kA].Pairs.ToArray();
                visible[f] = Enumerable.Repeat(true, n).ToArray();
                confidence[f] = Enumerable.Repeat(1f, n).ToArray();
                continue;
            }
            var hb = handles.Blend(f, kA, kB, alpha);
            var tb = targets?.Blend(f, kA, kB, alpha);
            var fp = new DragPair[n];
            for (int j = 0; j < n; j++)
            {
                DragPoint target;
                if (tb is not null)
                {
                    target = tb.Value.Positions[j];
                }
                else
                {
                    var vA = keys[kA].Pairs[j].Offset;
                    var vB = keys[kB].Pairs[j].Offset;
                    target = hb.Positions[j] + vA * (1 - alpha) + vB * alpha;
                }
                fp[j] = new DragPair(hb.Positions[j], target);
            }
            pairs[f] = fp;
            visible[f] = hb.Visible;
            confidence[f] = hb.Confidence;
        }
        return new PointPropagation(pairs, visible, confidence);
    }

    /// <summary>The key frames around frame f: (index before or at, index after or at, blend weight of the later one).</summary>
    internal static (int A, int B, float Alpha) Neighbours(IReadOnlyList<KeyframeDrag> keys, int f)
    {
        if (f <= keys[0].FrameIndex) return (0, 0, 0);
        if (f >= keys[^1].FrameIndex) return (keys.Count - 1, keys.Count - 1, 0);
        int b = 1;
        while (keys[b].FrameIndex < f) b++;
        int a = b - 1;
        if (keys[b].FrameIndex == f) return (b, b, 0);
        float alpha = (f - keys[a].FrameIndex) / (float)(keys[b].FrameIndex - keys[a].FrameIndex);
        return (a, b, alpha);
    }

    private static KeyTracks TrackAll(PointSequenceTracker seq, PyramidCache cache, IReadOnlyList<KeyframeDrag> keys, int frames,
        int w, int h, Func<KeyframeDrag, DragPoint[]> select, CancellationToken ct)
    {
        var forward = new TrackSeries?[keys.Count];
        var backward = new TrackSeries?[keys.Count];
        for (int k = 0; k < keys.Count; k++)
        {
            int f = keys[k].FrameIndex;
            int next = k + 1 < keys.Count ? keys[k + 1].FrameIndex : frames - 1;
            int prev = k > 0 ? keys[k - 1].FrameIndex : 0;
            var pts = select(keys[k]);
            if (next > f) forward[k] = seq.Track(cache, f, next, pts, w, h, ct);
            if (prev < f) backward[k] = seq.Track(cache, f, prev, pts, w, h, ct);
        }
        return new KeyTracks(forward, backward);
    }

    /// <summary>Forward and backward tracks of every key frame's points.</summary>
    private sealed class KeyTracks(TrackSeries?[] forward, TrackSeries?[] backward)
    {
        public (DragPoint[] Positions, bool[] Visible, float[] Confidence) Blend(int f, int kA, int kB, float alpha)
        {
            // Before the first key frame only its backward track exists; after the last only its forward track.
            TrackSeries? sa = null, sb = null;
            if (kA == kB)
            {
                var s = forward[kA] is { } fw && fw.Covers(f) ? fw : backward[kA]!;
                sa = s;
            }
            else
            {
                sa = forward[kA];
                sb = backward[kB];
            }
            int k0 = f - sa!.First;
            int n = sa.Positions[k0].Length;
            var pos = new DragPoint[n];
            var vis = new bool[n];
            var conf = new float[n];
            for (int j = 0; j < n; j++)
            {
                var pA = sa.Positions[k0][j];
                bool vA = sa.Visible[k0][j];
                float cA = sa.Confidence[k0][j];
                if (sb is null)
                {
                    pos[j] = pA; vis[j] = vA; conf[j] = cA;
                    continue;
                }
                int k1 = f - sb.First;
                var pB = sb.Positions[k1][j];
                bool vB = sb.Visible[k1][j];
                float cB = sb.Confidence[k1][j];
                float wA = 1 - alpha, wB = alpha;
                if (vA && !vB) { wA = 1; wB = 0; }
                else if (vB && !vA) { wA = 0; wB = 1; }
                pos[j] = pA * wA + pB * wB;
                vis[j] = vA || vB;
                conf[j] = wA * cA + wB * cB;
            }
            return (pos, vis, conf);
        }
    }
}
