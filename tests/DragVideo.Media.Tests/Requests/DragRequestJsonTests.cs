using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using DragVideo;

namespace DragVideo.Media.Tests.Requests;

public class DragRequestJsonTests : IDisposable
{
    private const int W = 64, H = 48, F = 8;
    private readonly string _dir = Directory.CreateTempSubdirectory("dragjson-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DragRequest Parse(string json, string? baseDir = null) =>
        DragRequestJson.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)), W, H, F, baseDir);

    private const string Pair = """{"handle":{"x":10,"y":20},"target":{"x":30.5,"y":20}}""";

    [Fact]
    public void Valid_request_with_two_keyframes_loads_points_prompt_and_order()
    {
        var r = Parse($$$$$"""
            // comments and trailing commas are tolerated
            {"version":1, "prompt":"a cat",
             "keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}]},
                          {"frame":7,"pairs":[{"handle":{"x":0,"y":0},"target":{"x":63,"y":47}},]}]}
            """);
        r.Prompt.Should().Be("a cat");
        r.Keyframes.Should().HaveCount(2);
        r.Keyframes[0].FrameIndex.Should().Be(0);
        r.Keyframes[0].Pairs[0].Should().Be(new DragPair(new DragPoint(10, 20), new DragPoint(30.5f, 20)));
        r.Keyframes[1].FrameIndex.Should().Be(7);
        r.Keyframes[1].Pairs[0].Target.Should().Be(new DragPoint(63, 47));
        r.Keyframes[0].Mask.Should().BeNull();
    }

    [Fact]
    public void Prompt_defaults_to_the_papers_prompt_and_options_are_returned()
    {
        var doc = DragRequestJson.LoadDocument(new MemoryStream(Encoding.UTF8.GetBytes(
            $$$$$"""{"keyframes":[{"frame":3,"pairs":[{{{{{Pair}}}}}]}],"options":{"steps":40,"lambda":0.1}}""")), W, H, F);
        doc.Request.Prompt.Should().Be("best quality");
        doc.Options!["steps"]!.GetValue<int>().Should().Be(40);
    }

    [Theory]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":64,"y":1},"target":{"x":1,"y":1}}]}]}""", "keyframes[0].pairs[0].handle.x", "outside the frame")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":1,"y":-0.5}}]}]}""", "keyframes[0].pairs[0].target.y", "outside the frame")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":1,"y":1}}]},{"frame":1,"pairs":[{"handle":{"x":1,"y":48},"target":{"x":1,"y":1}}]}]}""", "keyframes[1].pairs[0].handle.y", "outside the frame")]
    [InlineData("""{"keyframes":[{"frame":8,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":1,"y":1}}]}]}""", "keyframes[0].frame", "outside the clip")]
    [InlineData("""{"keyframes":[{"frame":-1,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":1,"y":1}}]}]}""", "keyframes[0].frame", "outside the clip")]
    [InlineData("""{"keyframes":[{"frame":2.5,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":1,"y":1}}]}]}""", "keyframes[0].frame", "integer")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[]}]}""", "keyframes[0].pairs", "at least one")]
    [InlineData("""{"keyframes":[{"frame":0}]}""", "keyframes[0].pairs", "missing")]
    [InlineData("""{"keyframes":[]}""", "keyframes", "at least one")]
    [InlineData("""{"prompt":"x"}""", "keyframes", "missing")]
    [InlineData("""{"keyframes":[{"frame":1,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":1,"y":1}}]},{"frame":1,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":1,"y":1}}]}]}""", "keyframes[1].frame", "more than one")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":"NaN","y":1},"target":{"x":1,"y":1}}]}]}""", "keyframes[0].pairs[0].handle.x", "finite number")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":1,"y":"Infinity"},"target":{"x":1,"y":1}}]}]}""", "keyframes[0].pairs[0].handle.y", "finite number")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":1e400,"y":1}}]}]}""", "keyframes[0].pairs[0].target.x", "out of range")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":1,"y":-1e39}}]}]}""", "keyframes[0].pairs[0].target.y", "out of range")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":null,"y":1},"target":{"x":1,"y":1}}]}]}""", "keyframes[0].pairs[0].handle.x", "finite number")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":1},"target":{"x":1,"y":1}}]}]}""", "keyframes[0].pairs[0].handle.y", "missing")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"target":{"x":1,"y":1}}]}]}""", "keyframes[0].pairs[0].handle", "missing")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"handle":[1,2],"target":{"x":1,"y":1}}]}]}""", "keyframes[0].pairs[0].handle", "must be an object")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"hanlde":{"x":1,"y":1},"target":{"x":1,"y":1}}]}]}""", "keyframes[0].pairs[0].hanlde", "unknown field")]
    [InlineData("""{"keyframes":{"frame":0}}""", "keyframes", "must be an array")]
    [InlineData("""[1,2]""", "$", "must be an object")]
    [InlineData("""{"version":2,"keyframes":[]}""", "version", "unsupported")]
    [InlineData("""{"prompt":5,"keyframes":[]}""", "prompt", "must be a string")]
    [InlineData("""{"keyframes":[{"frame":0,"pairs":[{"handle":{"x":1,"y":1},"target":{"x":1,"y":1}}]}],"options":3}""", "options", "must be an object")]
    public void Bad_field_is_named_in_the_error(string json, string field, string fragment)
    {
        var act = () => Parse(json);
        act.Should().Throw<InvalidDragRequestException>()
            .Where(e => e.Field == field, $"the field should be {field}")
            .WithMessage($"*{fragment}*");
    }

    [Theory]
    [InlineData("{\"keyframes\": [\n  {\"frame\": 0,\n   \"pairs\": [}\n]}", 3)]
    [InlineData("{\"keyframes\": [{\"frame\": NaN}]}", 1)]
    [InlineData("", 1)]
    public void Malformed_json_reports_the_line(string json, int line)
    {
        var act = () => Parse(json);
        act.Should().Throw<InvalidDragRequestException>()
            .Where(e => e.Field == "$")
            .WithMessage($"*malformed JSON at line {line},*");
    }

    [Fact]
    public void Rle_mask_of_the_wrong_size_is_reported_as_a_mask_size_mismatch()
    {
        var act = () => Parse($$$$$"""{"keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}],"mask":{"rle":{"width":32,"height":48,"counts":[100,1436]}}}]}""");
        act.Should().Throw<InvalidDragRequestException>().Where(e => e.Field == "keyframes[0].mask").WithMessage("*32×48*64×48*");
    }

    [Fact]
    public void Rle_whose_runs_do_not_cover_the_mask_is_rejected()
    {
        var act = () => Parse($$$$$"""{"keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}],"mask":{"rle":{"width":64,"height":48,"counts":[100,5]}}}]}""");
        act.Should().Throw<InvalidDragRequestException>().Where(e => e.Field == "keyframes[0].mask.rle.counts").WithMessage("*105*3072*");
    }

    [Fact]
    public void Png_mask_of_the_wrong_size_is_reported_as_a_mask_size_mismatch()
    {
        File.WriteAllBytes(Path.Combine(_dir, "m.png"), TestPng.Gray(32, 32, (x, y) => 255));
        File.WriteAllText(Path.Combine(_dir, "r.json"), $$$$$"""{"keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}],"mask":"m.png"}]}""");
        var act = () => DragRequestJson.Load(Path.Combine(_dir, "r.json"), W, H, F);
        act.Should().Throw<InvalidDragRequestException>().Where(e => e.Field == "keyframes[0].mask").WithMessage("*32×32*64×48*");
    }

    [Fact]
    public void Missing_png_mask_names_the_field_and_the_path()
    {
        var act = () => Parse($$$$$"""{"keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}],"mask":{"png":"nope.png"}}]}""", _dir);
        act.Should().Throw<InvalidDragRequestException>().Where(e => e.Field == "keyframes[0].mask.png").WithMessage("*nope.png*not found*");
    }

    [Fact]
    public void Non_png_mask_file_is_rejected()
    {
        File.WriteAllText(Path.Combine(_dir, "m.png"), "not an image");
        var act = () => Parse($$$$$"""{"keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}],"mask":"m.png"}]}""", _dir);
        act.Should().Throw<InvalidDragRequestException>().Where(e => e.Field == "keyframes[0].mask").WithMessage("*not a PNG*");
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void Png_mask_relative_to_the_json_file_is_thresholded_at_half(int bitDepth)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "masks"));
        int full = (1 << bitDepth) - 1;
        File.WriteAllBytes(Path.Combine(_dir, "masks", "m.png"), TestPng.Gray(W, H, (x, y) => x < 20 ? full : x < 30 ? full / 2 - 1 : 0, bitDepth));
        File.WriteAllText(Path.Combine(_dir, "r.json"), $$$$$"""{"keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}],"mask":"masks/m.png"}]}""");
        var mask = DragRequestJson.Load(Path.Combine(_dir, "r.json"), W, H, F).Keyframes[0].Mask!;
        mask.Count.Should().Be(20 * H);
        mask[19, 5].Should().BeTrue();
        mask[20, 5].Should().BeFalse();
    }

    [Fact]
    public void One_bit_png_mask_is_unpacked_most_significant_bit_first()
    {
        File.WriteAllBytes(Path.Combine(_dir, "m.png"), TestPng.OneBit(W, H, (x, y) => x % 3 == 0 && y < 5));
        var mask = Parse($$$$$"""{"keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}],"mask":"m.png"}]}""", _dir).Keyframes[0].Mask!;
        mask.Count.Should().Be(22 * 5);
        mask[63, 4].Should().BeTrue();
        mask[62, 4].Should().BeFalse();
        mask[0, 5].Should().BeFalse();
    }

    [Fact]
    public void Rgba_png_mask_treats_transparent_pixels_as_outside()
    {
        File.WriteAllBytes(Path.Combine(_dir, "m.png"), TestPng.Rgba(W, H, (x, y) => (255, 0, 0, y < 10 ? 255 : 0)));
        var mask = Parse($$$$$"""{"keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}],"mask":"m.png"}]}""", _dir).Keyframes[0].Mask!;
        mask.Count.Should().Be(10 * W);
    }

    [Fact]
    public void Shapes_are_rasterised_at_pixel_centres_in_order()
    {
        var mask = Parse($$$$$"""
            {"keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}],"mask":{"shapes":[
              {"type":"rectangle","x":2,"y":3,"width":4,"height":2},
              {"type":"ellipse","cx":40,"cy":20,"rx":3,"ry":2},
              {"type":"polygon","points":[{"x":10,"y":30},{"x":20,"y":30},{"x":10,"y":40}]},
              {"type":"brush","radius":1,"points":[{"x":50,"y":40},{"x":55,"y":40}]},
              {"type":"rectangle","op":"subtract","x":3,"y":3,"width":1,"height":1}
            ]}}]}
            """).Keyframes[0].Mask!;
        // rectangle: x 2..5, y 3..4 = 8 px minus (3,3)
        mask[2, 3].Should().BeTrue(); mask[5, 4].Should().BeTrue(); mask[6, 3].Should().BeFalse(); mask[2, 5].Should().BeFalse();
        mask[3, 3].Should().BeFalse();
        // ellipse: (43,20) and (40,22) on the boundary, (44,20) outside
        mask[43, 20].Should().BeTrue(); mask[40, 22].Should().BeTrue(); mask[44, 20].Should().BeFalse(); mask[42, 22].Should().BeFalse();
        // polygon: right triangle, (11,31) inside, (19,39) outside
        mask[11, 31].Should().BeTrue(); mask[19, 39].Should().BeFalse();
        // brush: capsule of radius 1 along y = 40 from x = 50 to 55
        mask[52, 41].Should().BeTrue(); mask[52, 42].Should().BeFalse(); mask[56, 40].Should().BeTrue(); mask[57, 40].Should().BeFalse();
    }

    [Theory]
    [InlineData("""{"type":"star"}""", "keyframes[0].mask.shapes[0].type", "unknown shape")]
    [InlineData("""{"type":"ellipse","cx":1,"cy":1,"rx":0,"ry":2}""", "keyframes[0].mask.shapes[0].rx", "greater than 0")]
    [InlineData("""{"type":"polygon","points":[{"x":1,"y":1},{"x":2,"y":2}]}""", "keyframes[0].mask.shapes[0].points", "at least 3")]
    [InlineData("""{"type":"brush","radius":2,"points":[{"x":1,"y":"a"}]}""", "keyframes[0].mask.shapes[0].points[0].y", "finite number")]
    [InlineData("""{"type":"rectangle","x":1,"y":1,"width":2,"height":2,"op":"xor"}""", "keyframes[0].mask.shapes[0].op", "add")]
    [InlineData("""{"type":"rectangle","x":-10,"y":-10,"width":2,"height":2}""", "keyframes[0].mask", "selects no pixel")]
    public void Bad_mask_shape_is_named(string shape, string field, string fragment)
    {
        var act = () => Parse($$$$$"""{"keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}],"mask":{"shapes":[{{{{{shape}}}}}]}}]}""");
        act.Should().Throw<InvalidDragRequestException>().Where(e => e.Field == field).WithMessage($"*{fragment}*");
    }

    [Fact]
    public void Mask_object_with_two_sources_is_rejected()
    {
        var act = () => Parse($$$$$"""{"keyframes":[{"frame":0,"pairs":[{{{{{Pair}}}}}],"mask":{"png":"a.png","shapes":[]}}]}""");
        act.Should().Throw<InvalidDragRequestException>().Where(e => e.Field == "keyframes[0].mask").WithMessage("*exactly one*");
    }

    [Fact]
    public void Save_then_load_round_trips_points_masks_prompt_and_options_and_leaves_no_temp_file()
    {
        var mask = BinaryMask.FromFunction(W, H, (x, y) => (x * 7 + y * 3) % 5 == 0);
        var req = new DragRequest(new[]
        {
            new KeyframeDrag(0, new[] { new DragPair(new DragPoint(1.25f, 2.5f), new DragPoint(0.1f, 47)) }, mask),
            new KeyframeDrag(5, new[] { new DragPair(new DragPoint(63, 0), new DragPoint(10, 10)), new DragPair(new DragPoint(3, 3), new DragPoint(4, 4)) }),
        }, "a dog");
        string path = Path.Combine(_dir, "out", "req.json");
        DragRequestJson.Save(req, path, new JsonObject { ["steps"] = 40 });
        Directory.GetFiles(Path.Combine(_dir, "out")).Should().Equal(path);
        var doc = DragRequestJson.LoadDocument(path, W, H, F);
        doc.Request.Prompt.Should().Be("a dog");
        doc.Request.Keyframes[0].Pairs.Should().Equal(req.Keyframes[0].Pairs);
        doc.Request.Keyframes[1].Pairs.Should().Equal(req.Keyframes[1].Pairs);
        doc.Request.Keyframes[0].Mask.Should().Be(mask);
        doc.Request.Keyframes[1].Mask.Should().BeNull();
        doc.Options!["steps"]!.GetValue<int>().Should().Be(40);
    }

    [Fact]
    public void Missing_json_file_is_a_file_not_found_error()
    {
        var act = () => DragRequestJson.Load(Path.Combine(_dir, "missing.json"), W, H, F);
        act.Should().Throw<FileNotFoundException>();
    }

    [Fact]
    public void Documented_example_loads()
    {
        string path = Path.Combine(DragVideo.Testing.Fixtures.RepositoryRoot, "docs", "examples", "drag-request.json");
        var r = DragRequestJson.Load(path, 512, 512, 12);
        r.Keyframes.Should().HaveCount(2);
        r.Keyframes[0].Mask.Should().NotBeNull();
    }
}

/// <summary>Writes minimal PNG files for the decoder tests.</summary>
internal static class TestPng
{
    public static byte[] Gray(int w, int h, Func<int, int, int> value, int bitDepth = 8)
    {
        int bpp = bitDepth / 8;
        return Build(w, h, bitDepth, 0, w * bpp, (row, y) =>
        {
            for (int x = 0; x < w; x++)
            {
                int v = value(x, y);
                if (bitDepth == 16) { row[x * 2] = (byte)(v >> 8); row[x * 2 + 1] = (byte)v; }
                else row[x] = (byte)v;
            }
        });
    }

    public static byte[] OneBit(int w, int h, Func<int, int, bool> on) =>
        Build(w, h, 1, 0, (w + 7) / 8, (row, y) =>
        {
            Array.Clear(row);
            for (int x = 0; x < w; x++) if (on(x, y)) row[x / 8] |= (byte)(0x80 >> (x % 8));
        });

    public static byte[] Rgba(int w, int h, Func<int, int, (int R, int G, int B, int A)> value) =>
        Build(w, h, 8, 6, w * 4, (row, y) =>
        {
            for (int x = 0; x < w; x++)
            {
                var (r, g, b, a) = value(x, y);
                row[x * 4] = (byte)r; row[x * 4 + 1] = (byte)g; row[x * 4 + 2] = (byte)b; row[x * 4 + 3] = (byte)a;
            }
        });

    private static byte[] Build(int w, int h, int depth, int colorType, int stride, Action<byte[], int> fill)
    {
        var raw = new MemoryStream();
        var row = new byte[stride];
        var prev = new byte[stride];
        for (int y = 0; y < h; y++)
        {
            fill(row, y);
            // alternate filters: Sub on even rows, Up on odd rows, to exercise the decoder's unfiltering.
            int filter = y % 2 == 0 ? 1 : 2;
            raw.WriteByte((byte)filter);
            for (int i = 0; i < stride; i++)
            {
                int pred = filter == 1 ? (i >= Math.Max(1, depth / 8 * (colorType == 6 ? 4 : 1)) ? row[i - Math.Max(1, depth / 8 * (colorType == 6 ? 4 : 1))] : 0) : prev[i];
                raw.WriteByte((byte)(row[i] - pred));
            }
            Array.Copy(row, prev, stride);
        }
        var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true)) zs.Write(raw.ToArray());
        var png = new MemoryStream();
        png.Write(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, w);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), h);
        ihdr[8] = (byte)depth; ihdr[9] = (byte)colorType;
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", z.ToArray());
        Chunk(png, "IEND", Array.Empty<byte>());
        return png.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var td = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(td);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc(td));
        s.Write(crc);
    }

    private static uint Crc(byte[] data)
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
