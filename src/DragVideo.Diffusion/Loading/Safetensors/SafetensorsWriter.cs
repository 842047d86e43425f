using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>Writes tensors to a safetensors file (temp file in the same folder, then moved into place).</summary>
public static class SafetensorsWriter
{
    /// <summary>
    /// Saves tensors (any device; copied to the CPU, stored in their own dtype, little-endian) in ordinal name order,
    /// with the JSON header padded with spaces so the data section starts on an 8-byte boundary. The file appears
    /// atomically: it is written to a temporary file beside <paramref name="path"/> and then moved over it.
    /// </summary>
    /// <param name="path">Destination <c>.safetensors</c> file (its folder must exist).</param>
    /// <param name="tensors">Name → tensor; dtypes F64/F32/F16/BF16/I64/I32/I16/I8/U8/BOOL.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> strings (diffusers writes <c>format: pt</c>).</param>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"The folder of '{full}' does not exist.");

        var names = tensors.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        if (names.Contains("__metadata__"))
            throw new ArgumentException("A tensor cannot be named '__metadata__'.", nameof(tensors));

        var header = new MemoryStream();
        long offset = 0;
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            foreach (var name in names)
            {
                var t = tensors[name] ?? throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
                long bytes = t.numel() * SafetensorsDType.ElementSize(t.dtype);
                json.WriteStartObject(name);
                json.WriteString("dtype", SafetensorsDType.CodeOf(t.dtype));
                json.WriteStartArray("shape");
                foreach (var d in t.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        long padded = (header.Length + 7) / 8 * 8;
        while (header.Length < padded) header.WriteByte((byte)' ');

        string temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
                fs.Write(len);
                header.Position = 0;
                header.CopyTo(fs);
                foreach (var name in names)
                {
                    using var scope = torch.NewDisposeScope();
                    var t = tensors[name].detach().cpu().contiguous();
                    if (t.numel() > 0) fs.Write(t.bytes);
                }
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
