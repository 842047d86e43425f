using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// An open safetensors file whose header has been read and fully validated; tensors are read one at a time, straight
/// from disk into their TorchSharp storage (the file is never loaded whole).
/// </summary>
/// <remarks>
/// Format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON (<c>name → {dtype, shape, data_offsets}</c>
/// plus an optional <c>__metadata__</c> string map), then the data section. A hostile or damaged file is rejected
/// with a <see cref="ModelLoadException"/> before any tensor memory is allocated: header length beyond the file or
/// above <see cref="MaxHeaderBytes"/>, malformed JSON, duplicate names, unknown dtype, negative or overflowing
/// dimensions, offsets outside the data section, overlapping spans, gaps or trailing bytes, and spans whose size is not
/// shape × element size. Little-endian hosts only (every .NET platform TorchSharp ships for).
/// </remarks>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Largest header accepted (100 MB; real SD checkpoints have headers below 200 kB).</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Largest tensor rank accepted.</summary>
    public const int MaxRank = 64;

    private const int ChunkBytes = 16 * 1024 * 1024;
    private const string MetadataKey = "__metadata__";

    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafetensorsEntry> _entries;
    private readonly long _dataStart;

    private SafetensorsFile(string path, SafeFileHandle handle, long dataStart, long dataLength,
        Dictionary<string, SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<string> order)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        DataLength = dataLength;
        _entries = entries;
        Metadata = metadata;
        Names = order;
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>Size of the data section in bytes.</summary>
    public long DataLength { get; }

    /// <summary>Tensor descriptions by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries => _entries;

    /// <summary>Tensor names in the order the header lists them.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The header's <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Opens a safetensors file and validates its header against the file size. Throws <see cref="ModelLoadException"/>
    /// (naming the file and the problem) for a missing, unreadable, truncated or hostile file.
    /// </summary>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new ModelLoadException("The safetensors file does not exist.", full);
        if (!BitConverter.IsLittleEndian)
            throw new ModelLoadException("Reading safetensors requires a little-endian host.", full);

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(full, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"The safetensors file cannot be opened: {ex.Message}", full, ex);
        }

        try
        {
            var file = ReadHeader(full, handle);
            return file;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static SafetensorsFile ReadHeader(string path, SafeFileHandle handle)
    {
        long fileLength;
        try
        {
            fileLength = RandomAccess.GetLength(handle);
        }
        catch (IOException ex)
        {
            throw new ModelLoadException($"The safetensors file cannot be read: {ex.Message}", path, ex);
        }
        if (fileLength < 8)
            throw new ModelLoadException($"Not a safetensors file: {fileLength} bytes is shorter than the 8-byte header length.", path);

        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(handle, lengthBytes, 0, path);
        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (declared > (ulong)MaxHeaderBytes)
            throw new ModelLoadException($"Safetensors header length {declared} exceeds the {MaxHeaderBytes}-byte limit; the file is damaged or hostile.", path);
        long headerLength = (long)declared;
        if (headerLength > fileLength - 8)
            throw new ModelLoadException($"Safetensors header length {headerLength} runs beyond the end of the file ({fileLength} bytes); the file is truncated or damaged.", path);
        if (headerLength < 2)
            throw new ModelLoadException($"Safetensors header length {headerLength} is too short to hold a JSON object.", path);

        var header = new byte[headerLength];
        ReadExactly(handle, header, 8, path);
        long dataStart = 8 + headerLength;
        long dataLength = fileLength - dataStart;

        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw new ModelLoadException("The safetensors header is not valid UTF-8.", path);

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"The safetensors header is not valid JSON: {ex.Message}", path, ex);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ModelLoadException($"The safetensors header must be a JSON object, found {doc.RootElement.ValueKind}.", path);

            var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            var order = new List<string>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == MetadataKey)
                {
                    if (sawMetadata)
                        throw new ModelLoadException("The safetensors header holds '__metadata__' twice.", path);
                    sawMetadata = true;
                    ParseMetadata(prop.Value, metadata, path);
                    continue;
                }
                if (entries.ContainsKey(prop.Name))
                    throw new ModelLoadException($"The safetensors header names tensor '{prop.Name}' twice.", path);
                var entry = ParseEntry(prop.Name, prop.Value, dataLength, path);
                entries.Add(prop.Name, entry);
                order.Add(prop.Name);
            }

            CheckCoverage(entries.Values, dataLength, path);
            return new SafetensorsFile(path, handle, dataStart, dataLength, entries, metadata, order);
        }
    }

    private static void ParseMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException($"The safetensors '__metadata__' must be an object of strings, found {value.ValueKind}.", path);
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
                throw new ModelLoadException($"The safetensors metadata value '{m.Name}' must be a string, found {m.Value.ValueKind}.", path);
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                throw new ModelLoadException($"The safetensors metadata names '{m.Name}' twice.", path);
        }
    }

    private static SafetensorsEntry ParseEntry(string name, JsonElement value, long dataLength, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new ModelLoadException($"Tensor '{name}': the header entry must be an object, found {value.ValueKind}.", path);
        if (!value.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String)
            throw new ModelLoadException($"Tensor '{name}': 'dtype' is missing or not a string.", path);
        string code = dtypeEl.GetString()!;
        if (!SafetensorsDType.TryParse(code, out var type, out int elementSize))
            throw new ModelLoadException($"Tensor '{name}': unknown dtype '{code}' (supported: {string.Join(", ", SafetensorsDType.Codes)}).", path);

        if (!value.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array)
            throw new ModelLoadException($"Tensor '{name}': 'shape' is missing or not an array.", path);
        int rank = shapeEl.GetArrayLength();
        if (rank > MaxRank)
            throw new ModelLoadException($"Tensor '{name}': rank {rank} exceeds the limit of {MaxRank}.", path);
        var shape = new long[rank];
        long bytes = elementSize;
        int i = 0;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim))
                throw new ModelLoadException($"Tensor '{name}': shape[{i}] is not an integer.", path);
            if (dim < 0)
                throw new ModelLoadException($"Tensor '{name}': shape[{i}] = {dim} is negative.", path);
            shape[i++] = dim;
            try
            {
                bytes = checked(bytes * dim);
            }
            catch (OverflowException)
            {
                throw new ModelLoadException($"Tensor '{name}': shape [{string.Join(", ", shape.Take(i))}…] overflows a 64-bit byte count.", path);
            }
        }

        if (!value.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw new ModelLoadException($"Tensor '{name}': 'data_offsets' must be an array [begin, end].", path);
        var begin = offEl[0];
        var end = offEl[1];
        if (begin.ValueKind != JsonValueKind.Number || !begin.TryGetInt64(out long b) ||
            end.ValueKind != JsonValueKind.Number || !end.TryGetInt64(out long e))
            throw new ModelLoadException($"Tensor '{name}': 'data_offsets' must hold two integers.", path);
        if (b < 0 || e < b || e > dataLength)
            throw new ModelLoadException($"Tensor '{name}': data_offsets [{b}, {e}] lie outside the data section of {dataLength} bytes.", path);
        if (e - b != bytes)
            throw new ModelLoadException($"Tensor '{name}': shape [{string.Join(", ", shape)}] × {code} needs {bytes} bytes but data_offsets span {e - b}.", path);
        return new SafetensorsEntry(name, code, type, shape, b, e);
    }

    private static void CheckCoverage(IEnumerable<SafetensorsEntry> entries, long dataLength, string path)
    {
        long cursor = 0;
        SafetensorsEntry? previous = null;
        foreach (var e in entries.OrderBy(x => x.Begin).ThenBy(x => x.End))
        {
            if (e.Begin < cursor)
                throw new ModelLoadException($"Tensors '{previous!.Name}' and '{e.Name}' overlap in the data section.", path);
            if (e.Begin > cursor)
                throw new ModelLoadException($"The data section has a gap of {e.Begin - cursor} bytes before tensor '{e.Name}'.", path);
            cursor = e.End;
            previous = e;
        }
        if (cursor != dataLength)
            throw new ModelLoadException($"The tensors cover {cursor} bytes but the data section holds {dataLength}; the file has trailing or missing data.", path);
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        int done = 0;
        try
        {
            while (done < buffer.Length)
            {
                int n = RandomAccess.Read(handle, buffer[done..], offset + done);
                if (n <= 0)
                    throw new ModelLoadException($"Unexpected end of file at byte {offset + done}; the file is truncated (was it changed after opening?).", path);
                done += n;
            }
        }
        catch (IOException ex)
        {
            throw new ModelLoadException($"Reading the file failed: {ex.Message}", path, ex);
        }
    }

    /// <summary>True when the file holds a tensor with this name.</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>
    /// Reads one tensor into a new CPU tensor of the stored shape. When <paramref name="dtype"/> is given, floating-point
    /// tensors (F64/F32/F16/BF16) are converted to it; integer and bool tensors keep their stored type. The caller owns
    /// (and disposes) the result.
    /// </summary>
    /// <param name="name">Tensor name as in <see cref="Entries"/>.</param>
    /// <param name="dtype">Optional floating-point target type, e.g. <c>ScalarType.Float32</c>.</param>
    public Tensor ReadTensor(string name, ScalarType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_entries.TryGetValue(name, out var entry))
            throw new ModelLoadException($"The file has no tensor named '{name}'.", Path);
        if (dtype is { } d && !SafetensorsDType.IsFloating(d))
            throw new ArgumentException($"dtype must be a floating-point type (Float32, Float16, BFloat16, Float64), got {d}.", nameof(dtype));

        TorchRuntime.EnsureLoaded();
        var tensor = torch.empty(entry.Shape, entry.DType);
        try
        {
            FillFromFile(tensor, entry);
            if (dtype is { } target && target != entry.DType && SafetensorsDType.IsFloating(entry.DType))
            {
                var converted = tensor.to_type(target);
                tensor.Dispose();
                tensor = converted;
            }
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    private void FillFromFile(Tensor tensor, SafetensorsEntry entry)
    {
        long total = entry.ByteLength;
        if (total == 0) return;
        int elementSize = (int)(total / entry.ElementCount);
        int chunkElements = Math.Max(1, ChunkBytes / elementSize);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(total, (long)chunkElements * elementSize));
        try
        {
            using var flat = tensor.view(-1);
            long elements = entry.ElementCount;
            for (long start = 0; start < elements; start += chunkElements)
            {
                long count = Math.Min(chunkElements, elements - start);
                int n = (int)(count * elementSize);
                var span = buffer.AsSpan(0, n);
                ReadExactly(_handle, span, _dataStart + entry.Begin + start * elementSize, Path);
                using var part = flat.narrow(0, start, count);
                part.bytes = span;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();
}
