using System.Text.Json;
using DragVideo.Diffusion.Loading;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Loading;

public class SafetensorsReaderTests
{
    public SafetensorsReaderTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Write_then_read_round_trips_every_supported_dtype_shape_and_metadata()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = torch.randn(3, 5, generator: torch.manual_seed(1)),
            ["f16"] = torch.randn(7).to_type(ScalarType.Float16),
            ["bf16"] = torch.randn(2, 2, 2).to_type(ScalarType.BFloat16),
            ["f64"] = torch.randn(4, dtype: ScalarType.Float64),
            ["i64"] = torch.arange(0, 77, dtype: ScalarType.Int64).reshape(1, 77),
            ["i32"] = torch.tensor(new[] { -3, 4, int.MaxValue }),
            ["i16"] = torch.tensor(new short[] { -7, 8 }),
            ["i8"] = torch.tensor(new sbyte[] { -128, 127 }),
            ["u8"] = torch.tensor(new byte[] { 0, 255, 9 }),
            ["bool"] = torch.tensor(new[] { true, false, true }),
            ["scalar"] = torch.tensor(2.5f),
            ["empty"] = torch.zeros(0, 3),
        };
        var path = Path.Combine(dir.Path, "rt.safetensors");
        SafetensorsWriter.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ü" });

        Directory.GetFiles(dir.Path).Should().ContainSingle("the temp file must be moved into place, not left behind");
        long headerLength = BitConverter.ToInt64(File.ReadAllBytes(path), 0);
        (headerLength % 8).Should().Be(0, "the header is padded so the data section starts 8-byte aligned");

        using var file = SafetensorsFile.Open(path);
        file.Metadata.Should().Equal(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ü" });
        file.Names.Should().BeEquivalentTo(tensors.Keys);
        foreach (var (name, expected) in tensors)
        {
            var actual = file.ReadTensor(name);
            actual.dtype.Should().Be(expected.dtype, name);
            actual.shape.Should().Equal(expected.shape, name);
            actual.bytes.ToArray().Should().Equal(expected.bytes.ToArray(), name);
        }
    }

    [Fact]
    public void Floating_tensors_are_converted_to_the_requested_dtype_and_integer_tensors_keep_theirs()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var half = torch.randn(16).to_type(ScalarType.Float16);
        var ids = torch.arange(0, 5, dtype: ScalarType.Int64);
        var path = Path.Combine(dir.Path, "h.safetensors");
        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["w"] = half, ["ids"] = ids });

        var loaded = SafetensorsReader.Load(path, ScalarType.Float32);
        loaded["w"].dtype.Should().Be(ScalarType.Float32);
        TensorAssert.MaxAbsDiff(loaded["w"], half.to_type(ScalarType.Float32)).Should().Be(0);
        loaded["ids"].dtype.Should().Be(ScalarType.Int64);
        loaded["ids"].data<long>().ToArray().Should().Equal(0, 1, 2, 3, 4);
        foreach (var t in loaded.Values) t.Dispose();
    }

    [Fact]
    public void Reads_the_diffusers_unet_fixture_with_the_names_and_shapes_diffusers_wrote()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixtures.PathOf("motion", "unet_motion", "state_dict_keys.json")));
        var (entries, metadata) = SafetensorsReader.ReadHeader(Fixtures.PathOf("unet2d", "diffusion_pytorch_model.safetensors"));
        metadata.Should().ContainKey("format").WhoseValue.Should().Be("pt");
        entries.Should().HaveCount(304);
        foreach (var e in entries)
        {
            e.DTypeCode.Should().Be("F32");
            json.RootElement.GetProperty(e.Name).EnumerateArray().Select(x => x.GetInt64()).Should().Equal(e.Shape, e.Name);
        }
    }

    [Fact]
    public void Values_read_in_chunks_equal_the_values_written_for_a_tensor_larger_than_one_chunk()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var big = torch.randn(5_000_000, generator: torch.manual_seed(3)); // 20 MB > the 16 MB read chunk
        var path = Path.Combine(dir.Path, "big.safetensors");
        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["big"] = big });
        using var file = SafetensorsFile.Open(path);
        var back = file.ReadTensor("big");
        TensorAssert.MaxAbsDiff(back, big).Should().Be(0);
    }

    [Fact]
    public void A_missing_file_and_an_unknown_tensor_name_are_typed_errors()
    {
        using var dir = new TempDir();
        var act = () => SafetensorsFile.Open(Path.Combine(dir.Path, "nope.safetensors"));
        act.Should().Throw<ModelLoadException>().WithMessage("*does not exist*");
        var path = SafetensorsTestFiles.WriteTemp(dir, SafetensorsTestFiles.ValidTwoTensors());
        using var file = SafetensorsFile.Open(path);
        file.Invoking(f => f.ReadTensor("c")).Should().Throw<ModelLoadException>().WithMessage("*'c'*");
        using var a = file.ReadTensor("a");
        a.data<float>().ToArray().Should().Equal(0, 1, 2, 3, 4, 5);
    }

    public static TheoryData<string, string, int, ulong?, string> HostileFiles() => new()
    {
        // name, header, data length, declared header length override, expected message fragment
        { "header length beyond the file", "{}", 0, 1000UL, "*beyond the end*" },
        { "absurd header length", "{}", 0, ulong.MaxValue, "*exceeds*limit*" },
        { "header not JSON", "{\"a\":", 0, null, "*not valid JSON*" },
        { "header is an array", "[1,2]  ", 0, null, "*must be a JSON object*" },
        { "offsets out of range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, null, "*outside the data section*" },
        { "end before begin", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4, null, "*outside the data section*" },
        { "negative offset", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4, null, "*outside the data section*" },
        { "overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, null, "*overlap*" },
        { "gap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, null, "*gap*" },
        { "trailing bytes", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, null, "*trailing*" },
        { "unknown dtype", "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4, null, "*unknown dtype 'F8_E4M3'*" },
        { "size mismatch", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, null, "*needs 12 bytes*span 8*" },
        { "negative dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, null, "*negative*" },
        { "overflowing shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8, null, "*overflows*" },
        { "fractional dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8, null, "*not an integer*" },
        { "duplicate name", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, null, "*twice*" },
        { "metadata not strings", "{\"__metadata__\":{\"x\":1}}", 0, null, "*must be a string*" },
        { "missing dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, null, "*'dtype'*" },
        { "shorter than 8 bytes", "", -5, null, "*shorter than the 8-byte*" },
    };

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void Hostile_or_damaged_files_are_rejected_with_a_ModelLoadException_naming_the_problem(
        string description, string header, int dataLength, ulong? declared, string fragment)
    {
        using var dir = new TempDir();
        byte[] bytes = dataLength < 0
            ? new byte[8 + dataLength]
            : SafetensorsTestFiles.Build(header, new byte[dataLength], declared);
        var path = SafetensorsTestFiles.WriteTemp(dir, bytes);
        var act = () => SafetensorsFile.Open(path).Dispose();
        act.Should().Throw<ModelLoadException>(description).WithMessage(fragment).Which.Path.Should().Be(path);
    }

    [Fact]
    public void A_header_that_is_not_UTF8_is_rejected()
    {
        using var dir = new TempDir();
        var bytes = SafetensorsTestFiles.Build("{\"ab\":{}}", Array.Empty<byte>());
        bytes[10] = 0xD1; // a lead byte followed by an ASCII byte: invalid UTF-8 inside a property name
        var path = SafetensorsTestFiles.WriteTemp(dir, bytes);
        var act = () => SafetensorsFile.Open(path).Dispose();
        act.Should().Throw<ModelLoadException>().WithMessage("*not valid UTF-8*");
    }

    [Fact]
    public void A_file_cut_short_in_its_data_section_is_rejected()
    {
        using var dir = new TempDir();
        var bytes = SafetensorsTestFiles.ValidTwoTensors();
        var path = SafetensorsTestFiles.WriteTemp(dir, bytes[..^5]);
        var act = () => SafetensorsReader.Load(path);
        act.Should().Throw<ModelLoadException>().WithMessage("*outside the data section*");
    }
}
