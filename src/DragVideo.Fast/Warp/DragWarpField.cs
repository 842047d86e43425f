using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.Fast;

/// <summary>
/// Builds the backward warp of one frame from its drag instruction and applies it. The backward map s(p) says where
/// output pixel p takes its colour from; it is the MLS map with controls <c>target_i → handle_i</c> (so the handle's
/// content lands on the target) plus pinned controls <c>b → b</c> just outside the editable mask and on the frame
/// border, evaluated on a coarse grid, upsampled, faded to zero over the inner edge of the mask and zero outside it.
/// </summary>
internal static class DragWarpField
{
    /// <summary>The controls of one frame: domain (output) positions and where each samples from.</summary>
    internal readonly record struct Controls(float[] FromXy, float[] ToXy)
    {
        public int Count => FromXy.Length / 2;
    }

    /// <summary>Collects the MLS controls of a frame (targets → handles, handle rings, pins).</summary>
    internal static Controls BuildControls(FrameInstruction instruction, int width, int height, FastWarpOptions options)
    {
        var from = new List<float>();
        var to = new List<float>();
        var mask = instruction.Mask;
        var targets = new List<DragPoint>();

        foreach (var pair in instruction.Pairs)
        {
            // Backward map: the output at the target samples the input at the handle.
            from.Add(pair.Target.X); from.Add(pair.Target.Y);
            to.Add(pair.Handle.X); to.Add(pair.Handle.Y);
            targets.Add(pair.Target);
        }

        // A small ring around each target moving with it keeps the handle's neighbourhood intact (a local translation).
        if (options.HandleRadius > 0 && options.HandleRingPoints > 0)
        {
            foreach (var pair in instruction.Pairs)
            {
                for (int k = 0; k < options.HandleRingPoints; k++)
                {
                    double a = 2 * Math.PI * k / options.HandleRingPoints;
                    float ox = (float)(options.HandleRadius * Math.Cos(a)), oy = (float)(options.HandleRadius * Math.Sin(a));
                    var t = new DragPoint(pair.Target.X + ox, pair.Target.Y + oy);
                    if (!InsideMask(mask, t) || TooClose(t, targets, pair.Target, options.HandleRadius * 0.99f)) continue;
                    from.Add(t.X); from.Add(t.Y);
                    to.Add(pair.Handle.X + ox); to.Add(pair.Handle.Y + oy);
                }
            }
        }

        var pins = new List<DragPoint>();
        AddInfluencePins(instruction.Pairs, width, height, options, pins);
        AddRingPins(mask, options, pins);
        AddBorderPins(mask, width, height, options.BorderPinSpacing, pins);
        foreach (var pin in pins)
        {
            if (TooClose(pin, targets, null, options.PinClearance)) continue;
            from.Add(pin.X); from.Add(pin.Y);
            to.Add(pin.X); to.Add(pin.Y);
        }
        return new Controls(from.ToArray(), to.ToArray());
    }

    /// <summary>
    /// The backward sampling grid for <c>grid_sample</c> (align_corners = true), float <c>[1, H, W, 2]</c> in [-1, 1],
    /// and the blend weight float <c>[H, W]</c> (0 outside the mask). Both are new tensors owned by the caller.
    /// </summary>
    internal static (Tensor Grid, Tensor Weight) BuildGrid(FrameInstruction instruction, int width, int height,
        FastWarpOptions options, Device device)
    {
        using var scope = NewDisposeScope();
        var controls = BuildControls(instruction, width, height, options);
        int s = options.GridStride;
        int wc = Math.Max(2, (width - 1 + s - 1) / s + 1), hc = Math.Max(2, (height - 1 + s - 1) / s + 1);
        var xs = torch.linspace(0, width - 1, wc, dtype: ScalarType.Float64, device: device);
        var ys = torch.linspace(0, height - 1, hc, dtype: ScalarType.Float64, device: device);
        var mesh = torch.meshgrid(new[] { ys, xs }, indexing: "ij");
        var points = torch.stack(new[] { mesh[1].reshape(-1), mesh[0].reshape(-1) }, 1);

        var from = torch.tensor(controls.FromXy, new long[] { controls.Count, 2 }, device: device);
        var to = torch.tensor(controls.ToXy, new long[] { controls.Count, 2 }, device: device);
        var mapped = MovingLeastSquares.Deform(points, from, to, options.Kind, options.Alpha);

        // Displacement on the coarse grid → full resolution (the MLS field is smooth away from the controls).
        var disp = (mapped - points).reshape(hc, wc, 2).permute(2, 0, 1).unsqueeze(0).to_type(ScalarType.Float32);
        disp = F.interpolate(disp, new long[] { height, width }, mode: InterpolationMode.Bilinear, align_corners: true);

        var weight = BlendWeight(instruction.Mask, options.FeatherRadius, device);
        disp = disp * weight.unsqueeze(0).unsqueeze(0);

        var gx = torch.arange(width, dtype: ScalarType.Float32, device: device).reshape(1, width).expand(height, width);
        var gy = torch.arange(height, dtype: ScalarType.Float32, device: device).reshape(height, 1).expand(height, width);
        var srcX = gx + disp[0, 0];
        var srcY = gy + disp[0, 1];
        // Normalise pixel-centre coordinates to [-1, 1] (align_corners = true). Sources beyond the frame are clamped by
        // the Border padding: backward warping leaves no holes, and out-of-frame content repeats the edge.
        var nx = width > 1 ? srcX * (2f / (width - 1)) - 1f : torch.zeros_like(srcX);
        var ny = height > 1 ? srcY * (2f / (height - 1)) - 1f : torch.zeros_like(srcY);
        var grid = torch.stack(new[] { nx, ny }, 2).unsqueeze(0);
        return (grid.MoveToOuterDisposeScope(), weight.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Warps one frame, float <c>[3, H, W]</c>, by its instruction; pixels with zero blend weight (outside the mask) are
    /// copied bit-exactly. Returns a new tensor.
    /// </summary>
    internal static Tensor WarpFrame(Tensor frame, FrameInstruction instruction, FastWarpOptions options)
    {
        using var scope = NewDisposeScope();
        int height = (int)frame.shape[1], width = (int)frame.shape[2];
        if (instruction.Pairs.Count == 0) return frame.clone().MoveToOuterDisposeScope();
        var (grid, weight) = BuildGrid(instruction, width, height, options, frame.device);
        var warped = F.grid_sample(frame.unsqueeze(0), grid, mode: GridSampleMode.Bilinear,
            padding_mode: GridSamplePaddingMode.Border, align_corners: true)[0];
        var result = torch.where(weight.gt(0).unsqueeze(0), warped, frame);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Soft blend weight <c>[H, W]</c>: 1 deep inside the mask, a linear ramp over the inner <paramref name="radius"/>
    /// pixels of its edge, exactly 0 outside.
    /// </summary>
    internal static Tensor BlendWeight(BinaryMask mask, int radius, Device device)
    {
        using var scope = NewDisposeScope();
        var m = mask.ToTensor().to(device);
        if (radius == 0) return m.MoveToOuterDisposeScope();
        var box = F.avg_pool2d(m.unsqueeze(0).unsqueeze(0), kernel_size: 2 * radius + 1, stride: 1, padding: radius,
            count_include_pad: false)[0, 0];
        // Box mean of a straight edge falls from 1 (depth ≥ radius) to ½ (on the edge): map that range to 1 → 0.
        var w = (box * 2f - 1f).clamp(0f, 1f) * m;
        return w.MoveToOuterDisposeScope();
    }

    private static bool InsideMask(BinaryMask mask, DragPoint p)
    {
        int x = (int)MathF.Round(p.X), y = (int)MathF.Round(p.Y);
        return x >= 0 && y >= 0 && x < mask.Width && y < mask.Height && mask[x, y];
    }

    private static bool TooClose(DragPoint p, List<DragPoint> targets, DragPoint? except, float distance)
    {
        foreach (var t in targets)
            if ((except is null || t != except.Value) && p.DistanceTo(t) < distance) return true;
        return false;
    }

    /// <summary>
    /// Pins on the boundary of the capsule of radius R around each handle→target segment (see
    /// <see cref="FastWarpOptions.InfluenceScale"/>), skipping those inside another pair's capsule or outside the frame.
    /// </summary>
    private static void AddInfluencePins(IReadOnlyList<DragPair> pairs, int width, int height, FastWarpOptions options, List<DragPoint> pins)
    {
        if (options.InfluenceScale <= 0) return;
        var radii = pairs.Select(p => Math.Max(options.MinInfluenceRadius, options.InfluenceScale * p.Length) + options.HandleRadius).ToArray();
        for (int i = 0; i < pairs.Count; i++)
        {
            foreach (var pin in CapsuleBoundary(pairs[i].Handle, pairs[i].Target, radii[i], options.InfluencePinSpacing))
            {
                if (pin.X < 0 || pin.Y < 0 || pin.X > width - 1 || pin.Y > height - 1) continue;
                bool insideOther = false;
                for (int j = 0; j < pairs.Count && !insideOther; j++)
                    insideOther = j != i && SegmentDistance(pin, pairs[j].Handle, pairs[j].Target) < radii[j] - 0.5f;
                if (!insideOther) pins.Add(pin);
            }
        }
    }

    /// <summary>Points every <paramref name="spacing"/> px on the boundary of the capsule of radius r around segment a–b.</summary>
    private static IEnumerable<DragPoint> CapsuleBoundary(DragPoint a, DragPoint b, float r, float spacing)
    {
        var d = b - a;
        float len = a.DistanceTo(b);
        // Unit direction (any when the segment is a point) and its normal.
        float ux = len > 1e-3f ? d.X / len : 1f, uy = len > 1e-3f ? d.Y / len : 0f;
        float nx = -uy, ny = ux;
        int sideSteps = (int)MathF.Floor(len / spacing);
        for (int k = 0; k <= sideSteps && len > 1e-3f; k++)
        {
            float t = sideSteps == 0 ? 0 : k * len / sideSteps;
            yield return new DragPoint(a.X + ux * t + nx * r, a.Y + uy * t + ny * r);
            yield return new DragPoint(a.X + ux * t - nx * r, a.Y + uy * t - ny * r);
        }
        // Half circles: around b facing +u, around a facing −u (a full circle when the segment is a point).
        int arcSteps = Math.Max(4, (int)MathF.Ceiling(MathF.PI * r / spacing));
        for (int k = 1; k < arcSteps; k++)
        {
            double phi = -Math.PI / 2 + Math.PI * k / arcSteps;
            float c = (float)Math.Cos(phi), s = (float)Math.Sin(phi);
            // direction = u·cos φ + n·sin φ
            yield return new DragPoint(b.X + r * (ux * c + nx * s), b.Y + r * (uy * c + ny * s));
            yield return new DragPoint(a.X - r * (ux * c + nx * s), a.Y - r * (uy * c + ny * s));
        }
    }

    private static float SegmentDistance(DragPoint p, DragPoint a, DragPoint b)
    {
        float dx = b.X - a.X, dy = b.Y - a.Y, l2 = dx * dx + dy * dy;
        float t = l2 <= 1e-6f ? 0 : Math.Clamp(((p.X - a.X) * dx + (p.Y - a.Y) * dy) / l2, 0f, 1f);
        return p.DistanceTo(new DragPoint(a.X + t * dx, a.Y + t * dy));
    }

    /// <summary>Pins on the one-pixel ring just outside the mask, thinned to at most MaxPinnedPoints evenly spaced ones.</summary>
    private static void AddRingPins(BinaryMask mask, FastWarpOptions options, List<DragPoint> pins)
    {
        if (options.MaxPinnedPoints == 0) return;
        var ring = new List<DragPoint>();
        int w = mask.Width, h = mask.Height;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                if (mask[x, y]) continue;
                bool touches = (x > 0 && mask[x - 1, y]) || (x < w - 1 && mask[x + 1, y])
                               || (y > 0 && mask[x, y - 1]) || (y < h - 1 && mask[x, y + 1]);
                if (touches) ring.Add(new DragPoint(x, y));
            }
        }
        if (ring.Count == 0) return;
        // Greedy thinning by a minimum spacing gives an even spread along the contour whatever its shape.
        float spacing = Math.Max(1f, ring.Count / (float)options.MaxPinnedPoints);
        var kept = new List<DragPoint>();
        foreach (var p in ring)
        {
            bool far = true;
            for (int i = kept.Count - 1; i >= 0 && far; i--) far = kept[i].DistanceTo(p) >= spacing;
            if (far) kept.Add(p);
            if (kept.Count == options.MaxPinnedPoints) break;
        }
        pins.AddRange(kept);
    }

    /// <summary>Pins along the frame border (outside the mask; all of them when the mask covers the whole frame).</summary>
    private static void AddBorderPins(BinaryMask mask, int width, int height, int spacing, List<DragPoint> pins)
    {
        bool full = mask.Count == mask.Width * mask.Height;
        var border = new List<DragPoint>();
        for (int x = 0; x < width; x += spacing) { border.Add(new(x, 0)); border.Add(new(x, height - 1)); }
        for (int y = spacing; y < height - 1; y += spacing) { border.Add(new(0, y)); border.Add(new(width - 1, y)); }
        border.Add(new(width - 1, 0)); border.Add(new(width - 1, height - 1));
        foreach (var p in border.Distinct())
            if (full || !mask[(int)p.X, (int)p.Y]) pins.Add(p);
    }
}
