using System.Text.Json;
using DragVideo.Testing;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Ddim;

/// <summary>Reads <c>fixtures/ddim/ddim.safetensors</c> (F32/I64 only) into CPU tensors.</summary>
internal static class DdimFixture
{
    private static readonly Lazy<Dictionary<string, Tensor>> Lazy = new(() => Read(Fixtures.PathOf("ddim", "ddim.safetensors")));

    public static Tensor Get(string name) => Lazy.Value.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException(name);

    public static IEnumerable<string> Names => Lazy.Value.Keys;

    private static Dictionary<string, Tensor> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        long headerLen = BitConverter.ToInt64(bytes, 0);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLen));
        var result = new Dictionary<string, Tensor>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__") continue;
            var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var off = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var span = bytes.AsSpan((int)(8 + headerLen + off[0]), (int)(off[1] - off[0]));
            string dtype = p.Value.GetProperty("dtype").GetString()!;
            using var _ = NewDisposeScope();
            Tensor t = dtype switch
            {
                "F32" => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(span).ToArray(), shape),
                "I64" => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(span).ToArray(), shape),
                _ => throw new NotSupportedException(dtype),
            };
            result[p.Name] = t.MoveToOuterDisposeScope();
        }
        return result;
    }
}
