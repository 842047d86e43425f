using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using DragVideo.Studio.Imaging;

namespace DragVideo.Studio.Tests;

public class PngEncoderTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Encoded_png_has_valid_chunks_and_inflates_back_to_the_pixels(int channels)
    {
        int w = 7, h = 5;
        var px = new byte[w * h * channels];
        new Random(3).NextBytes(px);
        var png = PngEncoder.Encode(px, w, h, channels);

        png.AsSpan(0, 8).ToArray().Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A);
        var chunks = ReadChunks(png);
        chunks.Select(c => c.Type).Should().Equal("IHDR", "IDAT", "IEND");
        var ihdr = chunks[0].Data;
        BinaryPrimitives.ReadInt32BigEndian(ihdr).Should().Be(w);
        BinaryPrimitives.ReadInt32BigEndian(ihdr.AsSpan(4)).Should().Be(h);
        ihdr[8].Should().Be(8);
        ihdr[9].Should().Be(channels == 3 ? (byte)2 : (byte)6);

        using var z = new ZLibStream(new MemoryStream(chunks[1].Data), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        var rows = raw.ToArray();
        rows.Length.Should().Be(h * (1 + w * channels));
        for (int y = 0; y < h; y++)
        {
            rows[y * (1 + w * channels)].Should().Be(0, "filter type None");
            rows.AsSpan(y * (1 + w * channels) + 1, w * channels).ToArray()
                .Should().Equal(px.AsSpan(y * w * channels, w * channels).ToArray());
        }
    }

    [Fact]
    public void Wrong_pixel_count_is_rejected()
    {
        var act = () => PngEncoder.Encode(new byte[10], 2, 2, 3);
        act.Should().Throw<ArgumentException>().WithMessage("*12 bytes*");
    }

    [Fact]
    public void Mask_overlay_is_transparent_outside_and_opaque_on_the_edge()
    {
        var mask = BinaryMask.FromFunction(5, 5, (x, y) => x is >= 1 and <= 3 && y is >= 1 and <= 3);
        var rgba = MaskOverlay.ToRgba(mask);
        rgba[(0 * 5 + 0) * 4 + 3].Should().Be(0);
        rgba[(1 * 5 + 1) * 4 + 3].Should().Be(230);
        rgba[(2 * 5 + 2) * 4 + 3].Should().Be(90);
    }

    private static List<(string Type, byte[] Data)> ReadChunks(byte[] png)
    {
        var list = new List<(string, byte[])>();
        int pos = 8;
        while (pos < png.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, len).ToArray();
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len));
            crc.Should().Be(Crc32(png.AsSpan(pos + 4, 4 + len)), $"the CRC of {type} is right");
            list.Add((type, data));
            pos += 12 + len;
        }
        return list;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return c ^ 0xFFFFFFFF;
    }
}
