using DragVideo.Tracking.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.Fast;

/// <summary>What the move mode produced: the edited frames, or why it fell back to stretch mode; and notes for the user.</summary>
internal sealed record MoveOutcome(Tensor? Frames, string? FallbackReason, IReadOnlyList<string> Notes);

/// <summary>
/// The move mode of the fast backend (<see cref="FastDeformationMode.Move"/>), per clip:
/// <list type="number">
/// <item>the body — the part of the mask that moves with the handles — is segmented on each key frame
/// (<see cref="IMaskSegmenter"/>: positive clicks on the handles, negative clicks just outside the mask), the key
/// frames' bodies are merged into one body in the first key frame's coordinates and carried to every frame by the
/// transform fitted to the tracked handles (so it does not flicker as a per-frame segmentation would); a frame that
/// repeats its predecessor keeps its placement;</item>
/// <item>per frame, a similarity (or rigid) transform is fitted to the pairs (handle → target) and the body, with a
/// soft edge, is moved by it;</item>
/// <item>what the body covered (grown by a margin) and the moved body leaves visible is filled from the nearest other
/// frames where that background is visible — aligned by the background's global motion (an affine fit to optical flow
/// outside the bodies, chained between consecutive frames) — then from the reference key frame's completely filled
/// background, and what is left by push–pull spatial inpainting.</item>
/// </list>
/// Pixels outside the frame's mask are copied bit-exactly. Inputs are never modified.
/// </summary>
internal static class RegionMove
{
    /// <summary>Connected parts of a mask smaller than this are ignored when its topology is compared between frames.</summary>
    private const int MinComponentArea = 16;

    /// <summary>
    /// Longest side of the frames the background motion is estimated on. An affine fit to the flow needs little
    /// resolution; 64 px costs 15 flows ≈ 0.4 s for 16 frames on this 2-core machine against ≈ 1.0 s at 128 px, which
    /// was a third of move mode's time.
    /// </summary>
    private const int FlowSize = 64;

    /// <summary>
    /// Source frames sampled per <c>grid_sample</c> call when filling from other frames (one call per source frame,
    /// with a synchronising check after each, was the other large cost of move mode when part of the background is
    /// visible nowhere and every other frame is searched).
    /// </summary>
    private const int FillChunk = 5;

    public static MoveOutcome Edit(VideoClip clip, DragRequest request, PropagatedInstruction instruction, FastWarpOptions options,
        IMaskSegmenter segmenter, IOpticalFlow flow, IProgress<EditProgress>? progress, CancellationToken ct)
    {
        int frames = clip.FrameCount, w = clip.Width, h = clip.Height;
        var notes = new List<string>();
        var keyframes = request.Keyframes.Select(k => k.FrameIndex).Distinct().OrderBy(k => k).ToArray();
        if (instruction.Frames.All(fi => fi.Pairs.Count == 0))
            return new MoveOutcome(null, "the request has no drag pairs", notes);

        // 1. Deliberate refusals of what a rigid body cannot honour: a handle outside its own (propagated) key-frame
        //    mask, masks whose topology changes between frames, pairs that disagree beyond the tolerance.
        foreach (int k in keyframes)
        {
            var fi = instruction.Frames[k];
            for (int i = 0; i < fi.Pairs.Count; i++)
                if (!Inside(fi.Mask, fi.Pairs[i].Handle))
                    return new MoveOutcome(null, $"the propagated mask of key frame {k} does not contain pair {i}'s handle ({fi.Pairs[i].Handle.X:0.#}, {fi.Pairs[i].Handle.Y:0.#})", notes);
        }
        int parts = CountComponents(instruction.Frames[keyframes[0]].Mask);
        for (int f = 0; f < frames; f++)
        {
            int count = CountComponents(instruction.Frames[f].Mask);
            if (count != parts)
                return new MoveOutcome(null, $"the mask changes topology between frames (key frame {keyframes[0]} has {parts} connected part(s), frame {f} has {count}); a body cannot be carried through that", notes);
        }
        var moves = new BodyTransform[frames];
        for (int f = 0; f < frames; f++)
        {
            var fi = instruction.Frames[f];
            var handles = fi.Pairs.Select(p => p.Handle).ToArray();
            var targets = fi.Pairs.Select(p => p.Target).ToArray();
            moves[f] = BodyTransform.Fit(handles, targets, options.BodyKind);
            double residual = moves[f].MaxResidual(handles, targets);
            if (residual > options.MaxFitResidual)
                return new MoveOutcome(null, $"the pairs of frame {f} disagree: the best {options.BodyKind.ToString().ToLowerInvariant()} body transform misses a target by {residual:0.0} px (MaxFitResidual {options.MaxFitResidual} px)", notes);
            if (moves[f].Scale < 0.25 || moves[f].Scale > 4)
                return new MoveOutcome(null, $"the pairs of frame {f} ask to scale the body by {moves[f].Scale:0.00} (supported 0.25 … 4)", notes);
        }

        using var scope = NewDisposeScope();
        var video = clip.Frames.to(CPU).to_type(ScalarType.Float32);

        // 2. The body on each key frame.
        progress?.Report(new EditProgress(EditStage.Warping, 0, frames, "segmenting the dragged body"));
        var keyBodies = new Dictionary<int, Tensor>();
        foreach (int k in keyframes)
        {
            ct.ThrowIfCancellationRequested();
            var fi = instruction.Frames[k];
            var body = SegmentBody(video[k], fi, segmenter);
            double bodyShare = body.sum().ToDouble() / Math.Max(1, fi.Mask.Count);
            if (bodyShare > 0.95)
                notes.Add($"key frame {k}: the segmentation found no boundary between body and background inside the mask; the whole mask moves.");
            keyBodies[k] = body;
        }

        // 3. One body for the whole clip, in the first key frame's coordinates: each key frame's segmentation carried
        //    there by the transform of the tracked handles, kept where at least half of them agree (with two key frames:
        //    their union). Then carried to every frame the same way. A body per key frame (or per frame) would change
        //    shape where the clip switches from one to the next, which shows as motion in an otherwise still clip.
        int reference = keyframes[0];
        var referenceHandles = instruction.Frames[reference].Pairs.Select(p => p.Handle).ToArray();
        Tensor consensus = torch.zeros_like(keyBodies[reference]);
        foreach (int k in keyframes)
        {
            var carryToReference = k == reference ? BodyTransform.Identity
                : BodyTransform.Fit(instruction.Frames[k].Pairs.Select(p => p.Handle).ToArray(), referenceHandles, options.BodyKind);
            consensus = consensus + (k == reference ? keyBodies[k] : Resample(keyBodies[k].unsqueeze(0), carryToReference.Inverse(), GridSamplePaddingMode.Zeros)[0]);
        }
        var referenceBody = Feather(consensus.div(keyframes.Length).ge(0.5f - 1e-4f).to_type(ScalarType.Float32), options.BodyFeather);
        var bodies = new Tensor[frames];
        var holes = new Tensor[frames];
        for (int f = 0; f < frames; f++)
        {
            var toHandles = instruction.Frames[f].Pairs.Select(p => p.Handle).ToArray();
            var carry = f == reference ? BodyTransform.Identity : BodyTransform.Fit(referenceHandles, toHandles, options.BodyKind);
            bodies[f] = f == reference ? referenceBody : Resample(referenceBody.unsqueeze(0), carry.Inverse(), GridSamplePaddingMode.Zeros)[0];
            // The area to fill: wherever the body had any weight, grown by the margin (the object's fringe, tracking slack).
            holes[f] = Dilate(bodies[f].gt(0.02f).to_type(ScalarType.Float32), options.BodyMargin);
        }

        // A frame that repeats its predecessor (no pixel differs by more than one 8-bit level — duplicated frames are
        // common in frame-rate-converted footage) keeps its predecessor's body placement and move: the propagated
        // handles drift by fractions of a pixel between such frames (forward and backward tracks are blended), and a
        // body that moves where the footage does not shows as motion (tree.avi: 0.1 px in every repeated pair).
        for (int f = 1; f < frames; f++)
        {
            if (f == reference || (video[f] - video[f - 1]).abs().max().ToDouble() > 1.5 / 255) continue;
            bodies[f] = bodies[f - 1];
            holes[f] = holes[f - 1];
            moves[f] = moves[f - 1];
        }

        // 4. Background motion between frames (for aligning the fill).
        var toReference = BackgroundMotion(video, holes, options, flow, progress, ct);

        // 5. Per frame: fill the uncovered background, move the body, composite inside the mask.
        var output = new Tensor[frames];
        var leftFrame = new List<int>();
        var leftMask = new List<int>();
        int spatialFrames = 0;
        // The reference key frame is filled first; what no other frame shows in the others is then read from its filled
        // background (aligned by the background motion), so the guessed part of the background moves with the scene
        // instead of being guessed anew, differently, in every frame.
        Tensor? referenceBackground = null;
        var sources = torch.cat(new[] { video, torch.stack(holes, 0).unsqueeze(1) }, 1); // [F, 4, H, W]: colour, hole
        int done = 0;
        foreach (int f in Enumerable.Range(0, frames).OrderBy(f => f == reference ? 0 : 1).ThenBy(f => f))
        {
            ct.ThrowIfCancellationRequested();
            using var frameScope = NewDisposeScope();
            var frame = video[f];
            var hole = holes[f];
            var inverse = moves[f].Inverse();
            var movedAlpha = Resample(bodies[f].unsqueeze(0), inverse, GridSamplePaddingMode.Zeros)[0];
            var mask = instruction.Frames[f].Mask.ToTensor();
            var alpha = (movedAlpha * mask).unsqueeze(0);
            var fill = torch.zeros_like(frame);
            // Only what the moved body does not cover opaquely needs a background from other frames.
            var remaining = hole.gt(0.5f).logical_and(alpha[0].lt(0.999f));
            var unfilled = hole.gt(0.5f);
            if (options.FillFromOtherFrames)
            {
                var order = Enumerable.Range(0, frames).Where(g => g != f).OrderBy(g => Math.Abs(g - f)).ThenBy(g => g).ToArray();
                for (int start = 0; start < order.Length; start += FillChunk)
                {
                    if (!remaining.any().ToBoolean()) break;
                    var chunk = order.Skip(start).Take(FillChunk).ToArray();
                    // Output pixel p of frame f shows the background point that sits at A(p) in frame g; colour and
                    // frame g's own hole are read together, for a few source frames per call.
                    var grids = torch.cat(chunk.Select(g => AffineGrid(toReference[f].Then(toReference[g].Inverse()), w, h)).ToArray(), 0);
                    var sampled = F.grid_sample(sources.index_select(0, torch.tensor(chunk.Select(g => (long)g).ToArray())), grids,
                        mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros, align_corners: true);
                    var valid = grids.abs().le(1.0f + 1e-4f).all(-1)
                        .logical_and(sampled[.., 3].lt(0.01f))
                        .logical_and(remaining.unsqueeze(0));
                    // Per pixel the nearest source frame that shows it (argmax returns the first maximum).
                    var first = valid.to_type(ScalarType.Float32).argmax(0);
                    var colour = sampled[.., ..3].gather(0, first.unsqueeze(0).unsqueeze(0).expand(1, 3, h, w))[0];
                    var found = valid.any(0);
                    fill = torch.where(found.unsqueeze(0), colour, fill);
                    remaining = remaining.logical_and(found.logical_not());
                    unfilled = unfilled.logical_and(found.logical_not());
                }
            }
            bool guessed = remaining.any().ToBoolean();
            // The reference frame's whole hole is filled (also under the body) because the others may read from it.
            if (guessed || (f == reference && unfilled.any().ToBoolean()))
            {
                if (guessed) spatialFrames++;
                if (referenceBackground is not null)
                {
                    var grid = AffineGrid(toReference[f].Then(toReference[reference].Inverse()), w, h);
                    var colour = F.grid_sample(referenceBackground.unsqueeze(0), grid, mode: GridSampleMode.Bilinear,
                        padding_mode: GridSamplePaddingMode.Zeros, align_corners: true)[0];
                    var valid = unfilled.logical_and(InsideFrame(grid));
                    fill = torch.where(valid.unsqueeze(0), colour, fill);
                    unfilled = unfilled.logical_and(valid.logical_not());
                }
                if (unfilled.any().ToBoolean())
                {
                    // Everything in the hole nothing filled is unknown (also under the opaque moved body, so the
                    // pull-push never averages in pixels that were not filled).
                    var known = unfilled.logical_not().to_type(ScalarType.Float32);
                    var seed = torch.where(hole.gt(0.5f).unsqueeze(0), fill, frame);
                    fill = SpatialFill.Fill(seed, known);
                }
            }
            if (f == reference)
                referenceBackground = torch.where(hole.gt(0.5f).unsqueeze(0), fill, frame).MoveToOuterDisposeScope();
            var holeSoft = InnerRamp(hole, options.BodyFeather);
            var background = frame * (1f - holeSoft) + fill * holeSoft;

            var movedColour = Resample(frame, inverse, GridSamplePaddingMode.Border);
            double bodyArea = bodies[f].sum().ToDouble() * moves[f].Scale * moves[f].Scale;
            double inFrame = movedAlpha.sum().ToDouble();
            double inMask = (movedAlpha * mask).sum().ToDouble();
            if (bodyArea > 0 && inFrame < 0.99 * bodyArea) leftFrame.Add(f);
            if (inFrame > 0 && inMask < 0.99 * inFrame) leftMask.Add(f);
            var composite = background * (1f - alpha) + movedColour * alpha;
            output[f] = torch.where(mask.gt(0.5f).unsqueeze(0), composite, clip.Frames[f].to(CPU).to_type(ScalarType.Float32))
                .MoveToOuterDisposeScope();
            done++;
            progress?.Report(new EditProgress(EditStage.Warping, done, frames, $"moved frame {f + 1} ({done}/{frames})"));
        }
        if (leftFrame.Count > 0)
            notes.Add($"the moved body leaves the frame in {Frames(leftFrame)}; the part outside the frame is clipped.");
        if (leftMask.Count > 0)
            notes.Add($"the moved body extends beyond the editable mask in {Frames(leftMask)}; it is clipped at the mask (grow the mask to include the destination).");
        if (spatialFrames > 0)
            notes.Add($"in {spatialFrames} of {frames} frames part of the uncovered background is visible in no other frame; it was inpainted spatially.");
        var stacked = torch.stack(output, 0).to(clip.Frames.device).MoveToOuterDisposeScope();
        return new MoveOutcome(stacked, null, notes);
    }

    /// <summary>
    /// Float <c>[H, W]</c> 0/1: the part of the frame's mask that moves with its handles — the segmenter's region for
    /// positive clicks on the handles and negative clicks just outside the mask, cut to the mask, and only its connected
    /// parts that contain a handle.
    /// </summary>
    internal static Tensor SegmentBody(Tensor frame, FrameInstruction fi, IMaskSegmenter segmenter)
    {
        var mask = fi.Mask;
        int w = mask.Width, h = mask.Height;
        var positive = fi.Pairs.Select(p => new DragPoint(Math.Clamp(p.Handle.X, 0, w - 1), Math.Clamp(p.Handle.Y, 0, h - 1))).ToArray();
        var negative = OutsideRing(mask, 32);
        var seg = segmenter.Segment(frame, positive, negative);
        if (seg.Width != w || seg.Height != h)
            throw new DragVideoException($"the body segmenter returned a {seg.Width}×{seg.Height} mask for a {w}×{h} frame.");
        var inside = new bool[w * h];
        var m = mask.Values;
        var s = seg.Values;
        for (int i = 0; i < inside.Length; i++) inside[i] = m[i] && s[i];
        // Keep the connected parts (4-neighbourhood) containing a handle; a handle the segmenter left out still seeds
        // a small disk so the body is never empty.
        var keep = new bool[w * h];
        var queue = new Queue<int>();
        foreach (var p in positive)
        {
            int px = (int)MathF.Round(p.X), py = (int)MathF.Round(p.Y);
            for (int dy = -2; dy <= 2; dy++)
                for (int dx = -2; dx <= 2; dx++)
                {
                    int x = px + dx, y = py + dy;
                    if (x < 0 || y < 0 || x >= w || y >= h || !m[y * w + x]) continue;
                    inside[y * w + x] = true;
                    if (!keep[y * w + x]) { keep[y * w + x] = true; queue.Enqueue(y * w + x); }
                }
        }
        while (queue.Count > 0)
        {
            int i = queue.Dequeue(), x = i % w, y = i / w;
            void Visit(int j) { if (inside[j] && !keep[j]) { keep[j] = true; queue.Enqueue(j); } }
            if (x > 0) Visit(i - 1);
            if (x < w - 1) Visit(i + 1);
            if (y > 0) Visit(i - w);
            if (y < h - 1) Visit(i + w);
        }
        return torch.tensor(keep, new long[] { h, w }).to_type(ScalarType.Float32);
    }

    /// <summary>Up to <paramref name="max"/> evenly spread pixels on the one-pixel ring just outside the mask.</summary>
    private static DragPoint[] OutsideRing(BinaryMask mask, int max)
    {
        int w = mask.Width, h = mask.Height;
        var ring = new List<DragPoint>();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (mask[x, y]) continue;
                if ((x > 0 && mask[x - 1, y]) || (x < w - 1 && mask[x + 1, y]) || (y > 0 && mask[x, y - 1]) || (y < h - 1 && mask[x, y + 1]))
                    ring.Add(new DragPoint(x, y));
            }
        if (ring.Count <= max) return ring.ToArray();
        return Enumerable.Range(0, max).Select(i => ring[(int)((long)i * ring.Count / max)]).ToArray();
    }

    /// <summary>Connected parts (4-neighbourhood) of at least <see cref="MinComponentArea"/> pixels.</summary>
    internal static int CountComponents(BinaryMask mask)
    {
        int w = mask.Width, h = mask.Height, count = 0;
        var seen = new bool[w * h];
        var v = mask.Values;
        var stack = new Stack<int>();
        for (int start = 0; start < seen.Length; start++)
        {
            if (!v[start] || seen[start]) continue;
            int area = 0;
            seen[start] = true;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int i = stack.Pop(), x = i % w, y = i / w;
                area++;
                if (x > 0 && v[i - 1] && !seen[i - 1]) { seen[i - 1] = true; stack.Push(i - 1); }
                if (x < w - 1 && v[i + 1] && !seen[i + 1]) { seen[i + 1] = true; stack.Push(i + 1); }
                if (y > 0 && v[i - w] && !seen[i - w]) { seen[i - w] = true; stack.Push(i - w); }
                if (y < h - 1 && v[i + w] && !seen[i + w]) { seen[i + w] = true; stack.Push(i + w); }
            }
            if (area >= MinComponentArea) count++;
        }
        return count;
    }

    /// <summary>
    /// Per frame f, the affine map from frame f's pixel grid to frame 0's (background points): consecutive frames'
    /// background motion is an affine fit to the optical flow (on frames at most <see cref="FlowSize"/> px) outside
    /// both frames' bodies, chained. All identities when <see cref="FastWarpOptions.AlignBackground"/> is off.
    /// </summary>
    private static Affine2D[] BackgroundMotion(Tensor video, Tensor[] holes, FastWarpOptions options, IOpticalFlow flow,
        IProgress<EditProgress>? progress, CancellationToken ct)
    {
        int frames = (int)video.shape[0], h = (int)video.shape[2], w = (int)video.shape[3];
        var toReference = new Affine2D[frames];
        toReference[0] = Affine2D.Identity;
        if (!options.AlignBackground || !options.FillFromOtherFrames)
        {
            for (int f = 1; f < frames; f++) toReference[f] = Affine2D.Identity;
            return toReference;
        }
        using var scope = NewDisposeScope();
        double s = Math.Min(1.0, (double)FlowSize / Math.Max(w, h));
        int sw = Math.Max(8, (int)Math.Round(w * s)), sh = Math.Max(8, (int)Math.Round(h * s));
        double sx = (double)sw / w, sy = (double)sh / h;
        var small = F.interpolate(video, new long[] { sh, sw }, mode: InterpolationMode.Area);
        var excluded = F.interpolate(torch.stack(holes, 0).unsqueeze(1), new long[] { sh, sw }, mode: InterpolationMode.Area)[.., 0];
        for (int f = 0; f + 1 < frames; f++)
        {
            ct.ThrowIfCancellationRequested();
            progress?.Report(new EditProgress(EditStage.Warping, 0, frames, $"background motion {f + 1}/{frames - 1}"));
            using var pairScope = NewDisposeScope();
            var uv = flow.Compute(small[f], small[f + 1]).to(CPU).to_type(ScalarType.Float32).contiguous();
            var ex = (excluded[f] + excluded[f + 1]).contiguous();
            var u = uv[0].data<float>().ToArray();
            var v = uv[1].data<float>().ToArray();
            var e = ex.data<float>().ToArray();
            var samples = new List<(float, float, float, float)>();
            const int margin = 4;
            for (int y = margin; y < sh - margin; y += 2)
                for (int x = margin; x < sw - margin; x += 2)
                {
                    int i = y * sw + x;
                    if (e[i] > 0) continue;
                    // Full-resolution coordinates and displacement.
                    samples.Add(((float)(x / sx), (float)(y / sy), (float)(u[i] / sx), (float)(v[i] / sy)));
                }
            var step = Affine2D.FitDisplacements(samples); // frame f → frame f+1
            toReference[f + 1] = step.Inverse().Then(toReference[f]);
        }
        return toReference;
    }

    /// <summary>Resamples <c>[C, H, W]</c> so that output pixel p reads the input at <c>map(p)</c> (bilinear, align_corners).</summary>
    private static Tensor Resample(Tensor image, BodyTransform map, GridSamplePaddingMode padding)
    {
        int h = (int)image.shape[1], w = (int)image.shape[2];
        var grid = AffineGrid(Affine2D.From(map), w, h);
        return F.grid_sample(image.unsqueeze(0), grid, mode: GridSampleMode.Bilinear, padding_mode: padding, align_corners: true)[0];
    }

    /// <summary>The <c>grid_sample</c> grid <c>[1, H, W, 2]</c> (align_corners = true) reading pixel p at <c>map(p)</c>.</summary>
    private static Tensor AffineGrid(Affine2D map, int w, int h)
    {
        using var scope = NewDisposeScope();
        var gx = torch.arange(w, dtype: ScalarType.Float64).reshape(1, w).expand(h, w);
        var gy = torch.arange(h, dtype: ScalarType.Float64).reshape(h, 1).expand(h, w);
        var x = gx * map.M00 + gy * map.M01 + map.M02;
        var y = gx * map.M10 + gy * map.M11 + map.M12;
        var nx = w > 1 ? x * (2.0 / (w - 1)) - 1.0 : torch.zeros_like(x);
        var ny = h > 1 ? y * (2.0 / (h - 1)) - 1.0 : torch.zeros_like(y);
        return torch.stack(new[] { nx, ny }, 2).unsqueeze(0).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Bool <c>[H, W]</c>: grid positions inside the frame.</summary>
    private static Tensor InsideFrame(Tensor grid)
    {
        var g = grid[0];
        return g.abs().le(1.0f + 1e-4f).all(-1);
    }

    /// <summary>Soft body: the box mean of the 0/1 body over a (2r+1)² window — ½ on its edge, a ramp of r px each side.</summary>
    private static Tensor Feather(Tensor body, int radius)
    {
        if (radius == 0) return body;
        return F.avg_pool2d(body.unsqueeze(0).unsqueeze(0), kernel_size: 2 * radius + 1, stride: 1, padding: radius,
            count_include_pad: false)[0, 0];
    }

    /// <summary>1 deep inside the 0/1 region, a ramp over its inner <paramref name="radius"/> px, 0 outside.</summary>
    private static Tensor InnerRamp(Tensor region, int radius)
    {
        if (radius == 0) return region;
        var box = F.avg_pool2d(region.unsqueeze(0).unsqueeze(0), kernel_size: 2 * radius + 1, stride: 1, padding: radius,
            count_include_pad: false)[0, 0];
        return (box * 2f - 1f).clamp(0f, 1f) * region;
    }

    private static Tensor Dilate(Tensor region, int radius)
    {
        if (radius == 0) return region;
        return ImageOps.SquareMax(region.unsqueeze(0).unsqueeze(0), radius)[0, 0];
    }

    private static bool Inside(BinaryMask mask, DragPoint p)
    {
        int x = (int)MathF.Round(p.X), y = (int)MathF.Round(p.Y);
        return x >= 0 && y >= 0 && x < mask.Width && y < mask.Height && mask[x, y];
    }

    private static string Frames(List<int> list) =>
        list.Count == 1 ? $"frame {list[0]}" : $"{list.Count} frames ({list[0]}–{list[^1]})";
}
