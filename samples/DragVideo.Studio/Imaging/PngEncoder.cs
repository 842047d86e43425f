using System.Buffers.Binary;
using System.IO.Compression;

namespace DragVideo.Studio.Imaging;

/// <summary>
/// Encodes 8-bit RGB or RGBA pixels as PNG in memory (frames and mask overlays for the page). Filter type 0 per row,
/// zlib-compressed at the fastest level: the page asks for frames interactively, size matters less than latency.
/// </summary>
public static class PngEncoder
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Encodes interleaved pixels, row-major, <paramref name="channels"/> = 3 (RGB) or 4 (RGBA).</summary>
    /// <exception cref="ArgumentException">the byte count is not <c>width × height × channels</c>.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (channels is not (3 or 4)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "PNG encoding supports 3 (RGB) or 4 (RGBA) channels.");
        int stride = checked(width * channels);
        if (pixels.Length != checked(stride * height))
            throw new ArgumentException($"a {width}×{height}×{channels} image needs {stride * height} bytes; got {pixels.Length}.", nameof(pixels));

        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
        {
            Span<byte> filter = stackalloc byte[1];
            for (int y = 0; y < height; y++)
            {
                z.Write(filter); // filter type 0 (None)
                z.Write(pixels.Slice(y * stride, stride));
            }
        }

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], height);
        ihdr[8] = 8;                                  // bit depth
        ihdr[9] = (byte)(channels == 3 ? 2 : 6);      // colour type: truecolour / truecolour + alpha
        ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;     // deflate, adaptive filtering, no interlace
        WriteChunk(png, "IHDR", ihdr);
        WriteChunk(png, "IDAT", idat.GetBuffer().AsSpan(0, (int)idat.Length));
        WriteChunk(png, "IEND", ReadOnlySpan<byte>.Empty);
        return png.ToArray();
    }

    private static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
        for (int i = 0; i < 4; i++) head[4 + i] = (byte)type[i];
        s.Write(head);
        s.Write(data);
        uint crc = Crc(Crc(0xFFFFFFFFu, head[4..]), data) ^ 0xFFFFFFFFu;
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        s.Write(tail);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }
}
