using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.FullResolution;

/// <summary>
/// Applies a working-resolution field (<see cref="KeyframeField"/> layout) to one full-resolution image plane in place:
/// only the bounding box of the editable region is touched; inside it, pixels whose upsampled weight is exactly 0 keep
/// their value bit for bit, the others are resampled (bilinear) at <c>p + d(p)</c> with the displacement scaled from
/// working to plane pixels, plus the residual mapped to the plane's colour component.
/// </summary>
internal static class PlaneWarper
{
    /// <summary>
    /// Warps <paramref name="plane"/> (<c>[ph, pw]</c>, byte 0–255 or float 0–1, a view into the frame) by
    /// <paramref name="field"/> (<c>[3 or 6, h, w]</c>, float CPU). The plane may be subsampled (chroma): working
    /// coordinates map to it by pixel centres. <paramref name="residualWeights"/> converts the RGB residual into this
    /// plane's units (null = ignore the residual); <paramref name="workingBox"/> is <see cref="EditableBox"/> of the field.
    /// </summary>
    /// <returns>the pixels it resampled as a bool <c>[rh, rw]</c> tensor and the top-left corner of that box in the plane,
    /// or null when none (the tensor belongs to the caller's dispose scope).</returns>
    public static (Tensor Inside, int X0, int Y0)? Apply(Tensor field, Tensor plane, float[]? residualWeights, (int X0, int Y0, int X1, int Y1) workingBox)
    {
        int h = (int)field.shape[1], w = (int)field.shape[2];
        int ph = (int)plane.shape[0], pw = (int)plane.shape[1];
        float rx = (float)pw / w, ry = (float)ph / h;
        using var scope = NewDisposeScope();
        // Working box (inclusive) grown by one working pixel → plane box.
        int x0 = Math.Clamp((int)MathF.Floor((workingBox.X0 - 1 + 0.5f) * rx - 0.5f), 0, pw - 1);
        int x1 = Math.Clamp((int)MathF.Ceiling((workingBox.X1 + 1 + 0.5f) * rx - 0.5f), 0, pw - 1);
        int y0 = Math.Clamp((int)MathF.Floor((workingBox.Y0 - 1 + 0.5f) * ry - 0.5f), 0, ph - 1);
        int y1 = Math.Clamp((int)MathF.Ceiling((workingBox.Y1 + 1 + 0.5f) * ry - 0.5f), 0, ph - 1);
        int rw = x1 - x0 + 1, rh = y1 - y0 + 1;

        var xs = torch.arange(x0, x1 + 1, dtype: ScalarType.Float32);
        var ys = torch.arange(y0, y1 + 1, dtype: ScalarType.Float32);
        var u = KeyframeField.Normalize((xs + 0.5f) / rx - 0.5f, w).reshape(1, rw).expand(rh, rw);
        var v = KeyframeField.Normalize((ys + 0.5f) / ry - 0.5f, h).reshape(rh, 1).expand(rh, rw);
        var sampled = F.grid_sample(field.unsqueeze(0), torch.stack(new[] { u, v }, 2).unsqueeze(0),
            GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: true)[0];
        var weight = sampled[2];
        var inside = weight.gt(0f);
        if (!inside.any().item<bool>()) return null;

        var sx = xs.reshape(1, rw) + sampled[0] * rx;
        var sy = ys.reshape(rh, 1) + sampled[1] * ry;
        int cx0 = Math.Clamp((int)MathF.Floor(sx.min().item<float>()), 0, pw - 1);
        int cx1 = Math.Clamp((int)MathF.Ceiling(sx.max().item<float>()), cx0, pw - 1);
        int cy0 = Math.Clamp((int)MathF.Floor(sy.min().item<float>()), 0, ph - 1);
        int cy1 = Math.Clamp((int)MathF.Ceiling(sy.max().item<float>()), cy0, ph - 1);
        int cw = cx1 - cx0 + 1, ch = cy1 - cy0 + 1;
        // The crop holds every in-frame sample position; positions beyond the frame clamp to its edge (Border), exactly
        // as sampling the whole plane would.
        var crop = plane[TensorIndex.Slice(cy0, cy1 + 1), TensorIndex.Slice(cx0, cx1 + 1)].to_type(ScalarType.Float32);
        var grid = torch.stack(new[] { KeyframeField.Normalize(sx - cx0, cw), KeyframeField.Normalize(sy - cy0, ch) }, 2).unsqueeze(0);
        var value = F.grid_sample(crop.reshape(1, 1, ch, cw), grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: true)[0, 0];
        if (residualWeights is not null && field.shape[0] == KeyframeField.ResidualChannels)
            value = value + sampled[3] * residualWeights[0] + sampled[4] * residualWeights[1] + sampled[5] * residualWeights[2];

        var roi = plane[TensorIndex.Slice(y0, y1 + 1), TensorIndex.Slice(x0, x1 + 1)];
        Tensor result = plane.dtype == ScalarType.Byte
            ? value.round().clamp(0f, 255f).to_type(ScalarType.Byte)
            : value.clamp(0f, 1f).to_type(plane.dtype);
        roi.copy_(torch.where(inside, result, roi));
        return (inside.MoveToOuterDisposeScope(), x0, y0);
    }

    /// <summary>Inclusive bounding box of the pixels with positive weight in a field, or null when there are none.</summary>
    public static (int X0, int Y0, int X1, int Y1)? EditableBox(Tensor field)
    {
        using var scope = NewDisposeScope();
        var inside = field[2].gt(0f);
        var cols = inside.any(0).nonzero();
        if (cols.shape[0] == 0) return null;
        var rows = inside.any(1).nonzero();
        return ((int)cols.min().item<long>(), (int)rows.min().item<long>(), (int)cols.max().item<long>(), (int)rows.max().item<long>());
    }

    /// <summary>
    /// Per-plane weights turning an RGB residual (in [−1, 1]) into the plane's 8-bit units: BT.709 for streams tagged
    /// bt709, BT.601 otherwise (ffmpeg's default for untagged video, so it matches how the working frames were decoded);
    /// limited range unless <paramref name="fullRange"/>.
    /// </summary>
    public static float[] ResidualWeights(Media.Streaming.PlaneKind kind, string colorSpace, bool fullRange)
    {
        bool bt709 = colorSpace == "bt709";
        float[] w = kind switch
        {
            Media.Streaming.PlaneKind.Luma => bt709 ? new[] { 46.559f, 156.629f, 15.812f } : new[] { 65.481f, 128.553f, 24.966f },
            Media.Streaming.PlaneKind.ChromaBlue => bt709 ? new[] { -25.664f, -86.336f, 112.0f } : new[] { -37.797f, -74.203f, 112.0f },
            _ => bt709 ? new[] { 112.0f, -101.730f, -10.270f } : new[] { 112.0f, -93.786f, -18.214f },
        };
        if (fullRange)
        {
            float s = kind == Media.Streaming.PlaneKind.Luma ? 255f / 219f : 255f / 224f;
            for (int i = 0; i < 3; i++) w[i] *= s;
        }
        return w;
    }
}
