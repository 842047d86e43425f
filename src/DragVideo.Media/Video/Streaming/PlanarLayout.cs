namespace DragVideo.Media.Streaming;

/// <summary>One plane of a planar 8-bit frame.</summary>
/// <param name="Offset">byte offset of the plane in the frame buffer.</param>
/// <param name="Width">plane width in samples.</param>
/// <param name="Height">plane height in samples.</param>
/// <param name="Kind">what the plane holds.</param>
public readonly record struct PlaneInfo(int Offset, int Width, int Height, PlaneKind Kind);

/// <summary>What a plane of a planar frame holds.</summary>
public enum PlaneKind
{
    /// <summary>Luma (Y) or grey.</summary>
    Luma,
    /// <summary>Blue-difference chroma (Cb / U).</summary>
    ChromaBlue,
    /// <summary>Red-difference chroma (Cr / V).</summary>
    ChromaRed,
}

/// <summary>
/// The memory layout of a raw planar 8-bit frame as ffmpeg's <c>rawvideo</c> muxer writes it (planes one after another,
/// no padding; chroma planes of subsampled formats have the rounded-up size). Full-resolution edits stream frames in
/// this form, so pixels that are not edited pass through byte for byte.
/// </summary>
public sealed class PlanarLayout
{
    private static readonly Dictionary<string, (int Sx, int Sy, int Planes)> Formats = new(StringComparer.Ordinal)
    {
        ["yuv420p"] = (2, 2, 3), ["yuvj420p"] = (2, 2, 3),
        ["yuv422p"] = (2, 1, 3), ["yuvj422p"] = (2, 1, 3),
        ["yuv444p"] = (1, 1, 3), ["yuvj444p"] = (1, 1, 3),
        ["gray"] = (1, 1, 1),
    };

    private PlanarLayout(string pixelFormat, int width, int height, IReadOnlyList<PlaneInfo> planes)
    {
        PixelFormat = pixelFormat;
        Width = width;
        Height = height;
        Planes = planes;
        FrameBytes = planes.Sum(p => p.Width * p.Height);
    }

    /// <summary>The ffmpeg pixel format name.</summary>
    public string PixelFormat { get; }

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>The planes in buffer order (Y, U, V; or Y alone for grey).</summary>
    public IReadOnlyList<PlaneInfo> Planes { get; }

    /// <summary>Bytes of one frame.</summary>
    public int FrameBytes { get; }

    /// <summary>True when <paramref name="pixelFormat"/> is one of the planar 8-bit formats edited natively.</summary>
    public static bool IsSupported(string pixelFormat) => Formats.ContainsKey(pixelFormat);

    /// <summary>The layout of <paramref name="pixelFormat"/> at the given size.</summary>
    /// <exception cref="ArgumentException">the format is not a supported planar 8-bit format.</exception>
    public static PlanarLayout For(string pixelFormat, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (!Formats.TryGetValue(pixelFormat, out var f))
            throw new ArgumentException($"pixel format '{pixelFormat}' is not one of {string.Join(", ", Formats.Keys)}.", nameof(pixelFormat));
        var planes = new List<PlaneInfo> { new(0, width, height, PlaneKind.Luma) };
        if (f.Planes == 3)
        {
            int cw = (width + f.Sx - 1) / f.Sx, ch = (height + f.Sy - 1) / f.Sy;
            planes.Add(new PlaneInfo(width * height, cw, ch, PlaneKind.ChromaBlue));
            planes.Add(new PlaneInfo(width * height + cw * ch, cw, ch, PlaneKind.ChromaRed));
        }
        return new PlanarLayout(pixelFormat, width, height, planes);
    }

    /// <summary>
    /// The format a source is edited and written in, and why when it differs from the source's: the source's own format
    /// when it is a supported planar 8-bit format the H.264 encoder accepts at this size; 4:2:0 or 4:2:2 at an odd
    /// width/height (which H.264 cannot subsample) and other formats (RGB, 10-bit, palette, NV12 …) become 4:4:4 at odd
    /// sizes, 4:2:0 otherwise.
    /// </summary>
    public static (string PixelFormat, string? Note) ChooseProcessingFormat(string sourcePixelFormat, int width, int height)
    {
        bool odd = width % 2 != 0 || height % 2 != 0;
        bool oddHeightOnly = width % 2 == 0 && height % 2 != 0;
        if (Formats.TryGetValue(sourcePixelFormat, out var f))
        {
            bool fits = (f.Sx == 1 || width % 2 == 0) && (f.Sy == 1 || !oddHeightOnly && height % 2 == 0);
            if (fits) return (sourcePixelFormat, null);
            string full = sourcePixelFormat.StartsWith("yuvj", StringComparison.Ordinal) ? "yuvj444p" : "yuv444p";
            return (full, $"the frame size {width}×{height} is odd, which H.264 cannot store in {sourcePixelFormat}; the output keeps the size and uses {full} (no chroma subsampling).");
        }
        string chosen = odd ? "yuv444p" : "yuv420p";
        return (chosen, $"the source pixel format {sourcePixelFormat} is edited and written as {chosen}{(odd ? " (odd frame size)" : string.Empty)}.");
    }
}
