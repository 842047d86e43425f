using System.Buffers.Binary;
using System.Text;

namespace DragVideo.Diffusion.Tests.Loading;

/// <summary>Builds raw safetensors byte images (valid or deliberately broken) for the reader tests.</summary>
internal static class SafetensorsTestFiles
{
    /// <summary>A file image from a raw header string and a data section.</summary>
    public static byte[] Build(string headerJson, byte[] data, ulong? declaredLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>Two F32 tensors a [2,3] (values 0..5) and b [4] (values 10..13), 40 data bytes.</summary>
    public static byte[] ValidTwoTensors()
    {
        var data = new byte[40];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), i);
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(24 + i * 4), 10 + i);
        return Build("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                     + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[24,40]}}", data);
    }

    /// <summary>Writes bytes to a fresh temp file and returns its path.</summary>
    public static string WriteTemp(TempDir dir, byte[] bytes, string name = "x.safetensors")
    {
        var p = Path.Combine(dir.Path, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }
}

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dv-loading-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
