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
    public static IReadOnlyList<(int X, int Y)> Cells(DragPoint center, int radius, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(radius);
        int cx = (int)MathF.Round(center.X, MidpointRounding.AwayFromZero);
        int cy = (int)MathF.Round(center.Y, MidpointRounding.AwayFromZero);
        var cells = new List<(int, int)>((2 * radius + 1) * (2 * radius + 1));
        for (int y = Math.Max(0, cy - radius); y <= Math.Min(height - 1, cy + radius); y++)
            for (int x = Math.Max(0, cx - radius); x <= Math.Min(width - 1, cx + radius); x++)
                cells.Add((x, y));
        return cells;
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
