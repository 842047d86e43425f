using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Drag;

/// <summary>
/// Reads feature vectors of a map <c>[C, H, W]</c> at integer or sub-pixel positions (feature-map pixels, x right,
/// y down, pixel centres at integers). Sub-pixel reads are bilinear and differentiable (Eq. 3's <c>F_{q+d}</c>);
/// positions up to one pixel outside the map read the border values.
/// </summary>
internal static class FeaturePatch
{
    /// <summary>
    /// The integer cells of the square patch of radius <paramref name="radius"/> around the pixel nearest to
    /// <paramref name="center"/>, clipped to a <paramref name="width"/> × <paramref name="height"/> map (the patch
    /// <c>B_r(p)</c> of Eq. 3 with boundary protection).
    /// </summary>
    public static IReadOnlyList<(int X, int Y)> Cells(DragPoint center, int radius, int width, int height) =>
        Cells(center, radius, width, height, HandleCellRounding.Nearest);

    /// <summary>
    /// As <see cref="Cells(DragPoint, int, int, int)"/>, with the centre cell chosen by <paramref name="rounding"/>.
    /// Cells are listed row by row (y outer, x inner), the order of a row-major <c>argmin</c> over the window.
    /// </summary>
    public static IReadOnlyList<(int X, int Y)> Cells(DragPoint center, int radius, int width, int height, HandleCellRounding rounding)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        int cx = CellOf(center.X, rounding), cy = CellOf(center.Y, rounding);
        var cells = new List<(int, int)>((2 * radius + 1) * (2 * radius + 1));
        for (int y = Math.Max(0, cy - radius); y <= Math.Min(height - 1, cy + radius); y++)
            for (int x = Math.Max(0, cx - radius); x <= Math.Min(width - 1, cx + radius); x++)
                cells.Add((x, y));
        return cells;
    }

    /// <summary>The integer cell of a sub-pixel coordinate: nearest (half away from zero) or truncated toward zero (Python's <c>int()</c>).</summary>
    public static int CellOf(float coordinate, HandleCellRounding rounding) => rounding switch
    {
        HandleCellRounding.Truncate => (int)MathF.Truncate(coordinate),
        _ => (int)MathF.Round(coordinate, MidpointRounding.AwayFromZero),
    };

    /// <summary>
    /// The patch of radius r around the integer cell (<paramref name="cx"/>, <paramref name="cy"/>) shifted by
    /// (<paramref name="dx"/>, <paramref name="dy"/>), read bilinearly from a map <c>[C, H, W]</c> and differentiable with
    /// respect to it: <c>[C, 2r+1, 2r+1]</c>, or null when a tap would leave the map (use <see cref="Sample"/> there). The
    /// four taps and their float32 weights are those of the released code's <c>interpolate_feature_patch</c>:
    /// with <c>x = cx + dx</c>, <c>x0 = ⌊x⌋</c>, the result is
    /// <c>I(y0,x0)·(x0+1−x)(y0+1−y) + I(y0+1,x0)·(x0+1−x)(y−y0) + I(y0,x0+1)·(x−x0)(y0+1−y) + I(y0+1,x0+1)·(x−x0)(y−y0)</c>.
    /// </summary>
    public static Tensor? ShiftedPatch(Tensor map, int cx, int cy, int radius, float dx, float dy)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        if (map.dim() != 3) throw new ArgumentException($"feature map must be [C, H, W]; got [{string.Join(", ", map.shape)}].", nameof(map));
        long h = map.shape[1], w = map.shape[2];
        float x = cx + dx, y = cy + dy;
        int x0 = (int)MathF.Floor(x), y0 = (int)MathF.Floor(y);
        int side = 2 * radius + 1;
        if (x0 - radius < 0 || y0 - radius < 0 || x0 + 1 + radius >= w || y0 + 1 + radius >= h) return null;
        float x1 = x0 + 1, y1 = y0 + 1;
        float wa = (x1 - x) * (y1 - y), wb = (x1 - x) * (y - y0), wc = (x - x0) * (y1 - y), wd = (x - x0) * (y - y0);
        using var scope = NewDisposeScope();
        Tensor Tap(int row, int col) => map.narrow(1, row - radius, side).narrow(2, col - radius, side);
        var result = Tap(y0, x0).mul(wa).add(Tap(y0 + 1, x0).mul(wb)).add(Tap(y0, x0 + 1).mul(wc)).add(Tap(y0 + 1, x0 + 1).mul(wd));
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The exact patch of radius r around the integer cell (<paramref name="cx"/>, <paramref name="cy"/>):
    /// <c>[C, 2r+1, 2r+1]</c>, or null when it would leave the map.
    /// </summary>
    public static Tensor? Patch(Tensor map, int cx, int cy, int radius)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        long h = map.shape[1], w = map.shape[2];
        int side = 2 * radius + 1;
        if (cx - radius < 0 || cy - radius < 0 || cx + radius >= w || cy + radius >= h) return null;
        using var rows = map.narrow(1, cy - radius, side);
        return rows.narrow(2, cx - radius, side);
    }

    /// <summary>Exact features at integer cells: <c>[C, H, W]</c> → <c>[C, N]</c> (N = cell count).</summary>
    public static Tensor Gather(Tensor map, IReadOnlyList<(int X, int Y)> cells)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(cells);
        if (map.dim() != 3) throw new ArgumentException($"feature map must be [C, H, W]; got [{string.Join(", ", map.shape)}].", nameof(map));
        long width = map.shape[2];
        var flat = cells.Select(c => (long)c.Y * width + c.X).ToArray();
        using var index = tensor(flat, dtype: ScalarType.Int64, device: map.device);
        using var rows = map.flatten(1);
        return rows.index_select(1, index);
    }

    /// <summary>
    /// Bilinear features at sub-pixel positions: <c>[C, H, W]</c> → <c>[C, N]</c>, differentiable with respect to the map.
    /// Uses <c>grid_sample</c> with pixel-index normalisation (<c>align_corners = true</c>) so integer positions return the
    /// stored values; positions outside the map are clamped to the border.
    /// </summary>
    public static Tensor Sample(Tensor map, IReadOnlyList<(float X, float Y)> positions)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(positions);
        if (map.dim() != 3) throw new ArgumentException($"feature map must be [C, H, W]; got [{string.Join(", ", map.shape)}].", nameof(map));
        long h = map.shape[1], w = map.shape[2];
        if (h < 2 || w < 2) throw new ArgumentException("feature map must be at least 2×2 for bilinear sampling.", nameof(map));
        var grid = new float[positions.Count * 2];
        for (int i = 0; i < positions.Count; i++)
        {
            grid[2 * i] = 2f * positions[i].X / (w - 1) - 1f;
            grid[2 * i + 1] = 2f * positions[i].Y / (h - 1) - 1f;
        }
        using var scope = NewDisposeScope();
        var g = tensor(grid, new long[] { 1, 1, positions.Count, 2 }, dtype: map.dtype, device: map.device);
        var sampled = nn.functional.grid_sample(map.unsqueeze(0), g, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: true);
        return sampled[0, TensorIndex.Colon, 0].MoveToOuterDisposeScope(); // [C, N]
    }
}
