using static TorchSharp.torch;

namespace DragVideo.Editing.Drag;

/// <summary>
/// Windows of the resized feature map F(ẑ_t) (<see cref="DragFeatures.FromOutput"/>) around the handles, computed from
/// the up-block outputs without building the whole map. Eq. 3 and Eq. 5 only read a few cells around each handle, but
/// the dense map is <c>F × ΣC × H' × W'</c> (16 frames of up block 2 at SD1.5 width and 128² features: 0.67 GiB, and as
/// much again for its gradient); a window is a few KiB. Values equal the dense map's cells: bilinear resizing with
/// <c>align_corners = false</c> is separable, so a window is <c>W_y · X · W_xᵀ</c> with the rows of PyTorch's
/// interpolation weights for the window's output rows and columns (two non-zero taps each).
/// </summary>
internal sealed class FeatureWindows
{
    private readonly IReadOnlyList<Tensor> _blocks; // per block [C_b, F, h_b, w_b], with gradient
    private readonly int _width;
    private readonly int _height;

    /// <summary>Reads the requested up-block outputs <c>[1, C_b, F, h_b, w_b]</c> of <paramref name="output"/> (not copied).</summary>
    /// <exception cref="InvalidOperationException">a requested block is missing or misshapen.</exception>
    public FeatureWindows(UNetOutput output, IReadOnlyList<int> upBlocks, int featureWidth, int featureHeight)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(upBlocks);
        _blocks = upBlocks.Select(b => DragFeatures.Block(output, b)[0]).ToList();
        _width = featureWidth;
        _height = featureHeight;
        Frames = (int)_blocks[0].shape[1];
    }

    /// <summary>Frames F.</summary>
    public int Frames { get; }

    /// <summary>Channels ΣC of the concatenated blocks.</summary>
    public long Channels => _blocks.Sum(b => b.shape[0]);

    /// <summary>Where the features live.</summary>
    public Device Device => _blocks[0].device;

    /// <summary>Width W' of the (virtual) resized map.</summary>
    public int Width => _width;

    /// <summary>Height H' of the (virtual) resized map.</summary>
    public int Height => _height;

    /// <summary>
    /// The square window of radius <paramref name="margin"/> around the cell nearest to <paramref name="center"/>,
    /// clipped to the map: <c>[ΣC, rows, cols]</c> with gradient to the up-block outputs, and its top-left cell. Where the
    /// window is clipped its edge is the map's edge, so border handling on the window equals border handling on the map.
    /// </summary>
    public (Tensor Window, int Left, int Top) Around(int frame, DragPoint center, int margin)
    {
        int cx = (int)MathF.Round(center.X, MidpointRounding.AwayFromZero), cy = (int)MathF.Round(center.Y, MidpointRounding.AwayFromZero);
        int left = Math.Clamp(cx - margin, 0, _width - 1), right = Math.Clamp(cx + margin, 0, _width - 1);
        int top = Math.Clamp(cy - margin, 0, _height - 1), bottom = Math.Clamp(cy + margin, 0, _height - 1);
        return (Window(frame, left, top, right - left + 1, bottom - top + 1), left, top);
    }

    /// <summary>
    /// Cells [<paramref name="left"/>, left + cols) × [<paramref name="top"/>, top + rows) of frame <paramref name="frame"/>'s
    /// resized map: <c>[ΣC, rows, cols]</c>, equal to <c>DragFeatures.FromOutput(...)[frame, :, top.., left..]</c>.
    /// </summary>
    public Tensor Window(int frame, int left, int top, int cols, int rows)
    {
        if (frame < 0 || frame >= Frames) throw new ArgumentOutOfRangeException(nameof(frame), frame, $"the features have {Frames} frames.");
        if (left < 0 || top < 0 || cols < 1 || rows < 1 || left + cols > _width || top + rows > _height)
            throw new ArgumentOutOfRangeException(nameof(left), $"window {cols}×{rows} at ({left}, {top}) leaves the {_width}×{_height} map.");
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>(_blocks.Count);
        foreach (var block in _blocks)
        {
            var map = block.select(1, frame); // [C, h, w]
            var device = map.device;
            var wy = Weights((int)map.shape[1], _height, top, rows, map.dtype, device);  // [rows, h]
            var wx = Weights((int)map.shape[2], _width, left, cols, map.dtype, device);  // [cols, w]
            parts.Add(matmul(wy, matmul(map, wx.t())));                                  // [C, rows, cols]
        }
        return (parts.Count == 1 ? parts[0] : cat(parts, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Rows <paramref name="first"/>…first + count − 1 of the bilinear resizing matrix from <paramref name="inSize"/> to
    /// <paramref name="outSize"/> samples with <c>align_corners = false</c>, computed in float32 as PyTorch's
    /// <c>upsample_bilinear2d</c> does: source <c>s = (d + 0.5)·in/out − 0.5</c> clamped at 0, taps ⌊s⌋ and the next one
    /// (the same one at the last sample), weights <c>1 − λ</c> and <c>λ = s − ⌊s⌋</c>.
    /// </summary>
    internal static Tensor Weights(int inSize, int outSize, int first, int count, ScalarType dtype, Device device)
    {
        var w = new float[count * inSize];
        float scale = (float)inSize / outSize;
        for (int i = 0; i < count; i++)
        {
            float s = scale * (first + i + 0.5f) - 0.5f;
            if (s < 0) s = 0;
            int x0 = (int)s;
            int x1 = x0 + (x0 < inSize - 1 ? 1 : 0);
            float l1 = s - x0, l0 = 1f - l1;
            w[i * inSize + x0] += l0;
            w[i * inSize + x1] += l1;
        }
        return tensor(w, new long[] { count, inSize }, dtype: ScalarType.Float32, device: device).to_type(dtype);
    }
}
