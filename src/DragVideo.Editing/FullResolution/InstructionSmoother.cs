using DragVideo.Tracking;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.FullResolution;

/// <summary>
/// Steadies a propagated instruction over time before it drives a full-resolution edit. Tracks: each handle and target
/// track is cleaned of outliers (a point far from the straight line fitted to its neighbours — Hampel filter on the
/// leave-one-out line) and then replaced by a straight line fitted to a centred window around each frame; a line
/// through a centred window reproduces constant-velocity motion exactly, so the smoothing does not lag. Masks: a
/// majority vote over neighbouring frames after moving each neighbour's mask with the tracked content. Request key
/// frames are kept as given. Motion exclusion (<see cref="DisagreementMaps"/>): per frame, the pixels whose optical flow
/// to the next frame differs from the handles' motion.
/// </summary>
internal sealed class InstructionSmoother
{
    private readonly InstructionSmoothingOptions _options;
    private readonly IOpticalFlow _flow;

    public InstructionSmoother(InstructionSmoothingOptions options, IOpticalFlow flow)
    {
        _options = options;
        _flow = flow;
    }

    /// <summary>The smoothed instruction; frames in <paramref name="keyFrames"/> keep their pairs and masks.</summary>
    public PropagatedInstruction Smooth(PropagatedInstruction instruction, ISet<int> keyFrames)
    {
        int n = instruction.Frames.Count;
        if (n < 3) return instruction;
        int pairs = instruction.Frames[0].Pairs.Count;
        var handles = new (float X, float Y)[pairs][];
        var targets = new (float X, float Y)[pairs][];
        for (int j = 0; j < pairs; j++)
        {
            handles[j] = SmoothTrack(instruction.Frames.Select(f => (f.Pairs[j].Handle.X, f.Pairs[j].Handle.Y)).ToArray(), keyFrames);
            targets[j] = SmoothTrack(instruction.Frames.Select(f => (f.Pairs[j].Target.X, f.Pairs[j].Target.Y)).ToArray(), keyFrames);
        }
        var frames = new FrameInstruction[n];
        for (int f = 0; f < n; f++)
        {
            var fi = instruction.Frames[f];
            if (keyFrames.Contains(f))
            {
                frames[f] = fi;
                continue;
            }
            var newPairs = Enumerable.Range(0, pairs)
                .Select(j => new DragPair(new DragPoint(handles[j][f].X, handles[j][f].Y), new DragPoint(targets[j][f].X, targets[j][f].Y)))
                .ToArray();
            frames[f] = fi with { Pairs = newPairs, Mask = VoteMask(instruction, f) };
        }
        return new PropagatedInstruction(frames);
    }

    /// <summary>One 2-D track: outliers replaced, then a centred local line.</summary>
    internal (float X, float Y)[] SmoothTrack((float X, float Y)[] track, ISet<int> keyFrames)
    {
        int n = track.Length, r = _options.PointRadius;
        if (r == 0 || n < 3) return track;
        var clean = ((float X, float Y)[])track.Clone();
        for (int t = 0; t < n; t++)
        {
            if (keyFrames.Contains(t)) continue;
            var (lo, hi) = Window(t, n, r);
            // The line through the window without t: t's deviation from it, and the spread of the others around it.
            var (px, py) = LineAt(track, lo, hi, t, skip: t);
            float dev = Dist(track[t], (px, py));
            var others = new List<float>();
            for (int s = lo; s <= hi; s++)
            {
                if (s == t) continue;
                others.Add(Dist(track[s], LineAt(track, lo, hi, s, skip: t)));
            }
            others.Sort();
            float mad = others.Count == 0 ? 0 : others[others.Count / 2];
            float limit = (float)Math.Max(_options.MinOutlierPixels, _options.OutlierDeviations * 1.4826 * mad);
            if (dev > limit) clean[t] = (px, py);
        }
        var result = ((float X, float Y)[])clean.Clone();
        for (int t = 0; t < n; t++)
        {
            if (keyFrames.Contains(t)) continue;
            var (lo, hi) = Window(t, n, r);
            result[t] = LineAt(clean, lo, hi, t, skip: -1);
        }
        return result;
    }

    private static (int Lo, int Hi) Window(int t, int n, int r)
    {
        // Centred where possible; near the ends, shifted to stay inside (a line stays unbiased for linear motion).
        int lo = Math.Max(0, t - r), hi = Math.Min(n - 1, t + r);
        return (lo, hi);
    }

    /// <summary>Least-squares line through <c>track[lo..hi]</c> (without index <paramref name="skip"/>) evaluated at <paramref name="at"/>.</summary>
    private static (float X, float Y) LineAt((float X, float Y)[] track, int lo, int hi, int at, int skip)
    {
        double n = 0, st = 0, stt = 0, sx = 0, sy = 0, stx = 0, sty = 0;
        for (int s = lo; s <= hi; s++)
        {
            if (s == skip) continue;
            n++; st += s; stt += (double)s * s; sx += track[s].X; sy += track[s].Y; stx += s * (double)track[s].X; sty += s * (double)track[s].Y;
        }
        if (n == 0) return track[at];
        double det = n * stt - st * st;
        if (Math.Abs(det) < 1e-9) return ((float)(sx / n), (float)(sy / n));
        double bx = (n * stx - st * sx) / det, ax = (sx - bx * st) / n;
        double by = (n * sty - st * sy) / det, ay = (sy - by * st) / n;
        return ((float)(ax + bx * at), (float)(ay + by * at));
    }

    private static float Dist((float X, float Y) a, (float X, float Y) b) => MathF.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));

    /// <summary>Majority vote of the masks around frame <paramref name="f"/>, each moved by the tracked content's motion to frame f.</summary>
    private BinaryMask VoteMask(PropagatedInstruction instruction, int f)
    {
        int r = _options.MaskRadius, n = instruction.Frames.Count;
        var self = instruction.Frames[f];
        if (r == 0) return self.Mask;
        int w = self.Mask.Width, h = self.Mask.Height;
        var votes = new int[w * h];
        int voters = 0;
        var centre = Anchor(self);
        for (int s = Math.Max(0, f - r); s <= Math.Min(n - 1, f + r); s++)
        {
            var other = instruction.Frames[s];
            var a = Anchor(other);
            int dx = centre is { } c && a is { } o ? (int)MathF.Round(c.X - o.X) : 0;
            int dy = centre is { } c2 && a is { } o2 ? (int)MathF.Round(c2.Y - o2.Y) : 0;
            var values = other.Mask.Values;
            for (int y = 0; y < h; y++)
            {
                int sy = y - dy;
                if (sy < 0 || sy >= h) continue;
                for (int x = 0; x < w; x++)
                {
                    int sx = x - dx;
                    if (sx >= 0 && sx < w && values[sy * w + sx]) votes[y * w + x]++;
                }
            }
            voters++;
        }
        var result = new bool[w * h];
        for (int i = 0; i < result.Length; i++) result[i] = votes[i] * 2 > voters;
        return new BinaryMask(w, h, result);
    }

    private static DragPoint? Anchor(FrameInstruction fi)
    {
        if (fi.Pairs.Count == 0) return null;
        return new DragPoint(fi.Pairs.Average(p => p.Handle.X), fi.Pairs.Average(p => p.Handle.Y));
    }

    /// <summary>
    /// Per working frame, float <c>[h, w]</c> in {0, 1}: 1 where the content's optical flow to the next frame (the previous
    /// frame for the last one) differs from the mean handle motion by more than
    /// <see cref="InstructionSmoothingOptions.FlowDisagreementPixels"/>; computed inside each frame's mask bounding box
    /// (grown by 16 px), 0 elsewhere. Null entries for frames with no mask pixel, and for frames where more than
    /// <see cref="InstructionSmoothingOptions.MaxDisagreementFraction"/> of the mask disagrees. Null when the option is off.
    /// </summary>
    public Tensor?[]? DisagreementMaps(VideoClip working, PropagatedInstruction instruction, CancellationToken ct)
    {
        if (!(_options.FlowDisagreementPixels > 0)) return null;
        int n = working.FrameCount, w = working.Width, h = working.Height;
        var maps = new Tensor?[n];
        for (int f = 0; f < n; f++)
        {
            ct.ThrowIfCancellationRequested();
            var fi = instruction.Frames[f];
            int g = f + 1 < n ? f + 1 : f - 1;
            if (g < 0 || fi.Pairs.Count == 0) continue;
            var box = Box(fi.Mask, 16);
            if (box is not { } b) continue;
            using var pause = GcPause.Begin();
            using var scope = NewDisposeScope();
            var a = working.Frames[f][TensorIndex.Colon, TensorIndex.Slice(b.Y0, b.Y1 + 1), TensorIndex.Slice(b.X0, b.X1 + 1)];
            var c = working.Frames[g][TensorIndex.Colon, TensorIndex.Slice(b.Y0, b.Y1 + 1), TensorIndex.Slice(b.X0, b.X1 + 1)];
            var flow = _flow.Compute(a, c).to_type(ScalarType.Float32);
            var next = instruction.Frames[g];
            float mx = 0, my = 0;
            for (int j = 0; j < fi.Pairs.Count; j++) { mx += next.Pairs[j].Handle.X - fi.Pairs[j].Handle.X; my += next.Pairs[j].Handle.Y - fi.Pairs[j].Handle.Y; }
            mx /= fi.Pairs.Count; my /= fi.Pairs.Count;
            var dev = ((flow[0] - mx).square() + (flow[1] - my).square()).sqrt();
            var map = torch.zeros(h, w);
            map[TensorIndex.Slice(b.Y0, b.Y1 + 1), TensorIndex.Slice(b.X0, b.X1 + 1)] = dev.gt((float)_options.FlowDisagreementPixels).to_type(ScalarType.Float32);
            // A majority disagreeing means the handles' motion is the unreliable estimate, not the content: keep the field.
            var inMask = fi.Mask.ToTensor();
            double share = (map * inMask).sum().item<float>() / Math.Max(1f, inMask.sum().item<float>());
            if (share > _options.MaxDisagreementFraction) continue;
            maps[f] = map.MoveToOuterDisposeScope();
        }
        return maps;
    }

    private static (int X0, int Y0, int X1, int Y1)? Box(BinaryMask mask, int grow)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
        var v = mask.Values;
        for (int y = 0; y < mask.Height; y++)
            for (int x = 0; x < mask.Width; x++)
                if (v[y * mask.Width + x]) { x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y); }
        if (x1 < 0) return null;
        x0 = Math.Max(0, x0 - grow); y0 = Math.Max(0, y0 - grow);
        x1 = Math.Min(mask.Width - 1, x1 + grow); y1 = Math.Min(mask.Height - 1, y1 + grow);
        if (x1 - x0 < 7 || y1 - y0 < 7) return null;
        return (x0, y0, x1, y1);
    }

    /// <summary>
    /// Leaves content that moves unlike the dragged content out of a field: a pixel is excluded when both its own content
    /// and the content it would be filled from (<c>p + d(p)</c>) disagree with the handles' motion — a passer-by crossing
    /// the editable region stays intact, a still background next to a moving dragged object stays still, while the
    /// object is still carried onto the target. Softened over 3×3 pixels; modifies <paramref name="field"/> in place.
    /// </summary>
    public static void Exclude(Tensor field, Tensor disagreement)
    {
        using var scope = NewDisposeScope();
        int h = (int)field.shape[1], w = (int)field.shape[2];
        var d = disagreement.reshape(1, 1, h, w);
        var atSource = KeyframeField.Sample(d, field.narrow(0, 0, 2), w, h)[0, 0];
        var both = (disagreement * atSource).reshape(1, 1, h, w);
        var soft = F.avg_pool2d(both, kernel_size: 3, stride: 1, padding: 1, count_include_pad: false)[0, 0];
        var keep = (1f - soft).clamp(0f, 1f);
        field.mul_(keep.unsqueeze(0));
    }
}
