using System.Buffers.Binary;
using System.IO.Compression;

namespace DragVideo;

/// <summary>
/// The one PNG reader for masks, used by drag-request JSON and by <see cref="Media.MaskFile.Read"/>; pure C#, no ffmpeg.
/// Supports every standard colour type and bit depth without interlacing. A pixel is in the mask when its largest colour
/// channel is at least the threshold (default half) of full scale and it is not transparent (alpha at least half).
/// </summary>
internal static class PngMaskDecoder
{
    private static readonly byte[] Signature = { 137, 80, 78, 71, 13, 10, 26, 10 };

    /// <summary>True when <paramref name="bytes"/> start with the PNG signature.</summary>
    public static bool IsPng(ReadOnlySpan<byte> bytes) => bytes.Length >= Signature.Length && bytes[..Signature.Length].SequenceEqual(Signature);
    private const long MaxPixels = 1L << 28;

    /// <summary>Decodes the PNG in <paramref name="png"/>; throws <see cref="InvalidDragRequestException"/> for <paramref name="field"/>.</summary>
    public static BinaryMask Decode(ReadOnlySpan<byte> png, string field, double threshold = 0.5)
    {
        if (png.Length < Signature.Length || !png[..Signature.Length].SequenceEqual(Signature))
            throw new InvalidDragRequestException(field, "the mask file is not a PNG image.");
        int pos = Signature.Length;
        int width = 0, height = 0, bitDepth = 0, colorType = -1, interlace = 0;
        byte[]? palette = null, paletteAlpha = null;
        var idat = new MemoryStream();
        bool sawEnd = false;
        while (pos + 8 <= png.Length && !sawEnd)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png[pos..]);
            string type = System.Text.Encoding.ASCII.GetString(png.Slice(pos + 4, 4));
            if (length < 0 || pos + 12L + length > png.Length)
                throw new InvalidDragRequestException(field, $"the PNG chunk '{type}' is truncated.");
            var data = png.Slice(pos + 8, length);
            switch (type)
            {
                case "IHDR":
                    if (length < 13) throw new InvalidDragRequestException(field, "the PNG header is truncated.");
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    bitDepth = data[8];
                    colorType = data[9];
                    interlace = data[12];
                    break;
                case "PLTE": palette = data.ToArray(); break;
                case "tRNS": paletteAlpha = data.ToArray(); break;
                case "IDAT": idat.Write(data); break;
                case "IEND": sawEnd = true; break;
            }
            pos += 12 + length;
        }
        if (width < 1 || height < 1 || (long)width * height > MaxPixels)
            throw new InvalidDragRequestException(field, $"the PNG has an unusable size {width}×{height}.");
        if (interlace != 0)
            throw new InvalidDragRequestException(field, "interlaced PNG masks are not supported; save the mask without interlacing.");
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        bool depthOk = colorType switch
        {
            0 => bitDepth is 1 or 2 or 4 or 8 or 16,
            3 => bitDepth is 1 or 2 or 4 or 8,
            _ => bitDepth is 8 or 16,
        };
        if (channels == 0 || !depthOk)
            throw new InvalidDragRequestException(field, $"unsupported PNG colour type {colorType} with bit depth {bitDepth}.");
        if (colorType == 3 && palette is null)
            throw new InvalidDragRequestException(field, "the palette PNG has no PLTE chunk.");

        int bitsPerPixel = channels * bitDepth;
        int stride = (int)((width * (long)bitsPerPixel + 7) / 8);
        int bpp = Math.Max(1, bitsPerPixel / 8);
        var raw = new byte[(long)(stride + 1) * height];
        try
        {
            idat.Position = 0;
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            int read = 0;
            while (read < raw.Length)
            {
                int n = z.Read(raw, read, raw.Length - read);
                if (n == 0) break;
                read += n;
            }
            if (read < raw.Length) throw new InvalidDragRequestException(field, "the PNG image data is truncated.");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDragRequestException(field, $"the PNG image data is corrupt ({e.Message}).");
        }

        var prev = new byte[stride];
        var line = new byte[stride];
        var mask = new bool[width * height];
        int maxSample = (1 << bitDepth) - 1;
        for (int y = 0; y < height; y++)
        {
            int off = y * (stride + 1);
            byte filter = raw[off];
            Array.Copy(raw, off + 1, line, 0, stride);
            Unfilter(filter, line, prev, bpp, field);
            for (int x = 0; x < width; x++)
            {
                bool on;
                if (colorType == 3)
                {
                    int idx = Sample(line, x, bitDepth);
                    if (idx * 3 + 2 >= palette!.Length) throw new InvalidDragRequestException(field, $"palette index {idx} is outside the PNG palette.");
                    int bright = Math.Max(palette[idx * 3], Math.Max(palette[idx * 3 + 1], palette[idx * 3 + 2]));
                    int alpha = paletteAlpha is not null && idx < paletteAlpha.Length ? paletteAlpha[idx] : 255;
                    on = bright >= threshold * 255 && alpha >= 128;
                }
                else
                {
                    int colours = colorType is 0 or 4 ? 1 : 3;
                    int bright = 0;
                    for (int c = 0; c < colours; c++) bright = Math.Max(bright, Sample(line, x * channels + c, bitDepth));
                    bool opaque = colorType is 4 or 6 ? Sample(line, x * channels + channels - 1, bitDepth) * 2 >= maxSample : true;
                    on = bright >= threshold * maxSample && opaque;
                }
                mask[y * width + x] = on;
            }
            (prev, line) = (line, prev);
        }
        return new BinaryMask(width, height, mask);
    }

    private static int Sample(byte[] line, int index, int bitDepth) => bitDepth switch
    {
        16 => line[index * 2] << 8 | line[index * 2 + 1],
        8 => line[index],
        _ => (line[index * bitDepth / 8] >> (8 - bitDepth - index * bitDepth % 8)) & ((1 << bitDepth) - 1),
    };

    private static void Unfilter(byte filter, byte[] line, byte[] prev, int bpp, string field)
    {
        for (int i = 0; i < line.Length; i++)
        {
            int a = i >= bpp ? line[i - bpp] : 0;
            int b = prev[i];
            int c = i >= bpp ? prev[i - bpp] : 0;
            int add = filter switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                4 => Paeth(a, b, c),
                _ => throw new InvalidDragRequestException(field, $"the PNG uses an unknown row filter {filter}."),
            };
            line[i] = (byte)(line[i] + add);
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
