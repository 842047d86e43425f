using System.Buffers.Binary;
using System.Text;
using DragVideo.Diffusion.Loading;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Loading;

/// <summary>
/// Feeds thousands of mutated safetensors images to the reader. The only acceptable outcomes are a clean read (and then
/// every tensor's size agrees with its header) or a <see cref="ModelLoadException"/>; any other exception — an
/// out-of-range read, an overflow, an out-of-memory from a huge allocation — fails the test.
/// </summary>
public class SafetensorsFuzzTests
{
    public SafetensorsFuzzTests() => TorchRuntime.EnsureLoaded();

    private static readonly string[] Tokens =
    {
        "0", "-1", "1", "4", "8", "40", "41", "24", "9223372036854775807", "-9223372036854775808", "1e3", "2.5", "null", "true",
        "\"F32\"", "\"F16\"", "\"X\"", "[]", "{}", "[0,40]", "[40,0]", "[1,2,3]", "\"a\"", "\"__metadata__\"", "[4294967296,4294967296]",
    };

    [Fact]
    public void Thousands_of_mutated_files_only_ever_raise_ModelLoadException()
    {
        var rng = new Random(20261125);
        var valid = SafetensorsTestFiles.ValidTwoTensors();
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        string header = Encoding.UTF8.GetString(valid, 8, headerLength);
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "fuzz.safetensors");
        int accepted = 0, rejected = 0;
        long liveBefore = LiveTensors.Count;

        for (int iteration = 0; iteration < 2000; iteration++)
        {
            byte[] bytes = (iteration % 5) switch
            {
                0 => FlipBytes(valid, rng),
                1 => Truncate(valid, rng),
                2 => SafetensorsTestFiles.Build(ReplaceToken(header, rng), new byte[rng.Next(0, 64)]),
                3 => WithDeclaredLength(valid, rng),
                _ => SafetensorsTestFiles.Build(ReplaceToken(ReplaceToken(header, rng), rng), valid[(8 + headerLength)..]),
            };
            File.WriteAllBytes(path, bytes);
            try
            {
                using var file = SafetensorsFile.Open(path);
                foreach (var name in file.Names)
                {
                    using var t = file.ReadTensor(name);
                    (t.numel() * t.element_size()).Should().Be(file.Entries[name].ByteLength);
                }
                accepted++;
            }
            catch (ModelLoadException)
            {
                rejected++;
            }
        }

        rejected.Should().BeGreaterThan(700, "most mutations break the file");
        accepted.Should().BeGreaterThan(0, "some mutations (e.g. in tensor data) leave a valid file");
        LiveTensors.Count.Should().Be(liveBefore, "rejected reads must not leak tensors");
    }

    private static byte[] FlipBytes(byte[] src, Random rng)
    {
        var b = (byte[])src.Clone();
        int flips = rng.Next(1, 4);
        for (int i = 0; i < flips; i++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
        return b;
    }

    private static byte[] Truncate(byte[] src, Random rng) => src[..rng.Next(0, src.Length)];

    private static byte[] WithDeclaredLength(byte[] src, Random rng)
    {
        var b = (byte[])src.Clone();
        ulong v = rng.Next(4) switch
        {
            0 => (ulong)rng.NextInt64(),
            1 => (ulong)rng.Next(0, b.Length + 16),
            2 => ulong.MaxValue - (ulong)rng.Next(16),
            _ => (ulong)SafetensorsFile.MaxHeaderBytes + (ulong)rng.Next(0, 2),
        };
        BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        return b;
    }

    private static string ReplaceToken(string header, Random rng)
    {
        // Replace a random run of digits, a quoted word or a bracket with a hostile token.
        int start = rng.Next(header.Length);
        int end = start;
        while (end < header.Length && (char.IsLetterOrDigit(header[end]) || header[end] == '_')) end++;
        if (end == start) end = Math.Min(header.Length, start + 1);
        return header[..start] + Tokens[rng.Next(Tokens.Length)] + header[end..];
    }
}
