using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace DragVideo.Tracking.Imaging;

/// <summary>
/// A managed copy of an image <c>[C, H, W]</c> (row-major planes) for per-point work where TorchSharp's per-call cost
/// would dominate (sparse Lucas–Kanade on a few dozen points). Bilinear sampling clamps to the border.
/// </summary>
internal sealed class HostImage
{
    public HostImage(int channels, int height, int width, float[] data)
    {
        Channels = channels;
        Height = height;
        Width = width;
        Data = data;
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public float[] Data { get; }

    /// <summary>Copies <paramref name="t"/> <c>[1, C, H, W]</c> or <c>[C, H, W]</c> to managed memory.</summary>
    public static HostImage FromTensor(Tensor t)
    {
        using var scope = NewDisposeScope();
        var x = t.dim() == 4 ? t[0] : t;
        x = x.to(CPU).to_type(ScalarType.Float32).contiguous();
        // One block copy of the native buffer (the element accessor's ToArray is far slower on large planes).
        return new HostImage((int)x.shape[0], (int)x.shape[1], (int)x.shape[2], MemoryMarshal.Cast<byte, float>(x.bytes).ToArray());
    }

    /// <summary>Copies the window of <paramref name="width"/> × <paramref name="height"/> pixels at (<paramref name="x0"/>, <paramref name="y0"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">the window is empty or leaves the image.</exception>
    public HostImage Crop(int x0, int y0, int width, int height)
    {
        if (width < 1 || height < 1 || x0 < 0 || y0 < 0 || x0 + width > Width || y0 + height > Height)
            throw new ArgumentOutOfRangeException(nameof(width), $"window {width}×{height} at ({x0}, {y0}) is not inside the {Width}×{Height} image.");
        var data = new float[Channels * width * height];
        for (int c = 0; c < Channels; c++)
            for (int y = 0; y < height; y++)
                Data.AsSpan((c * Height + y0 + y) * Width + x0, width).CopyTo(data.AsSpan((c * height + y) * width, width));
        return new HostImage(Channels, height, width, data);
    }

    /// <summary>
    /// Bilinear samples of the <c>(2r+1)²</c> square of whole-pixel offsets around <paramref name="centre"/>, row by row,
    /// into <paramref name="dst"/> <c>[C, 2r+1, 2r+1]</c> (border clamped): a patch or a tracking window.
    /// </summary>
    public void SampleSquare(DragPoint centre, int radius, float[] dst)
    {
        int k = 2 * radius + 1, area = k * k;
        for (int dy = -radius, i = 0; dy <= radius; dy++)
            for (int dx = -radius; dx <= radius; dx++, i++)
                Sample(centre.X + dx, centre.Y + dy, dst, i, area);
    }

    /// <summary>
    /// Bilinear sample of every channel at (x, y) into <paramref name="dst"/>[offset + c·stride] (border clamped).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Sample(float x, float y, float[] dst, int offset, int stride)
    {
        x = Math.Clamp(x, 0, Width - 1);
        y = Math.Clamp(y, 0, Height - 1);
        int x0 = Math.Min((int)x, Width - 2 < 0 ? 0 : Width - 2), y0 = Math.Min((int)y, Height - 2 < 0 ? 0 : Height - 2);
        int x1 = Math.Min(x0 + 1, Width - 1), y1 = Math.Min(y0 + 1, Height - 1);
        float fx = x - x0, fy = y - y0;
        float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
        int plane = Width * Height;
        int i00 = y0 * Width + x0, i01 = y0 * Width + x1, i10 = y1 * Width + x0, i11 = y1 * Width + x1;
        var d = Data;
        for (int c = 0, p = 0; c < Channels; c++, p += plane)
            dst[offset + c * stride] = w00 * d[p + i00] + w01 * d[p + i01] + w10 * d[p + i10] + w11 * d[p + i11];
    }
}
