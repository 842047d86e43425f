using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// Reads tensors from a PyTorch zip checkpoint (<c>torch.save</c> since 1.6: <c>.ckpt</c>, <c>.pt</c>, <c>.pth</c>,
/// <c>.bin</c>) with <see cref="RestrictedUnpickler"/>: only tensor data and plain containers are built, anything
/// else is refused. Because pickles are code in Python's world, reading one needs the caller's explicit opt-in
/// (<see cref="CheckpointReadOptions.AllowPickle"/>).
/// </summary>
internal static class TorchCheckpointReader
{
    /// <summary>Largest <c>data.pkl</c> accepted (real state-dict pickles are well under 10 MB).</summary>
    public const long MaxPickleBytes = 256L * 1024 * 1024;

    /// <summary>
    /// Loads the state dict of a torch zip checkpoint: the top-level dict of name → tensor, or the dict under
    /// <c>state_dict</c> when the file wraps it (Lightning checkpoints such as the original SD <c>.ckpt</c>). Non-tensor
    /// entries are skipped. Tensors are CPU, contiguous, in their stored dtype unless <see cref="CheckpointReadOptions.DType"/>
    /// converts the floating-point ones. Throws <see cref="ModelLoadException"/> without opt-in, for a legacy or
    /// truncated file, for any non-allow-listed pickle global, or for tensor views outside their storage.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="options">Must have <see cref="CheckpointReadOptions.AllowPickle"/> set.</param>
    /// <param name="cancellationToken">Checked between storages.</param>
    public static Dictionary<string, Tensor> Load(string path, CheckpointReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new CheckpointReadOptions();
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new ModelLoadException("The checkpoint file does not exist.", full);
        FileStream stream;
        try
        {
            stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"The checkpoint cannot be opened: {ex.Message}", full, ex);
        }

        using (stream)
        {
            Span<byte> magic = stackalloc byte[4];
            if (stream.Read(magic) < 4 || magic[0] != 0x50 || magic[1] != 0x4b || magic[2] != 0x03 || magic[3] != 0x04)
            {
                throw new ModelLoadException(
                    "Neither a safetensors file nor a PyTorch zip checkpoint. Files written by torch.save before PyTorch 1.6 (legacy tar/pickle format) are not supported; " +
                    "re-save them with a current PyTorch or convert them to .safetensors.", full);
            }
            stream.Position = 0;
            if (!options.AllowPickle)
            {
                throw new ModelLoadException(
                    "This is a pickle-based PyTorch checkpoint. Pickles can execute code when Python opens them; DragVideo reads them only " +
                    "with a restricted reader that builds tensors and nothing else, and only when you opt in: pass " +
                    "new CheckpointReadOptions { AllowPickle = true } (or ModelLoadOptions.AllowPickle = true; CLI: --allow-pickle). " +
                    "Prefer a .safetensors copy when one exists.", full);
            }
            TorchRuntime.EnsureLoaded();
            var created = new List<Tensor>();
            var storages = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            try
            {
                using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
                var pkl = zip.Entries.Where(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal)
                                                 && e.FullName.Count(c => c == '/') <= 1).ToList();
                if (pkl.Count != 1)
                    throw new ModelLoadException($"Expected exactly one '<name>/data.pkl' in the checkpoint archive, found {pkl.Count}.", full);
                string root = pkl[0].FullName[..^"data.pkl".Length];
                var byteorder = zip.GetEntry(root + "byteorder");
                if (byteorder is not null)
                {
                    string order = ReadSmallText(byteorder, full);
                    if (order != "little") throw new ModelLoadException($"The checkpoint stores '{order}'-endian tensors; only little-endian is supported.", full);
                }
                if (pkl[0].Length > MaxPickleBytes)
                    throw new ModelLoadException($"data.pkl is {pkl[0].Length} bytes, above the {MaxPickleBytes}-byte limit.", full);
                byte[] pickle = ReadEntry(pkl[0], full);

                Tensor LoadStorage(TorchStorageRef r)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (storages.TryGetValue(r.Key, out var s))
                    {
                        if (s.dtype != r.DType || s.numel() != r.ElementCount)
                            throw new ModelLoadException($"Storage '{r.Key}' is referenced with two different types or sizes.", full);
                        return s;
                    }
                    var entry = zip.GetEntry(root + "data/" + r.Key)
                                ?? throw new ModelLoadException($"The pickle references storage '{r.Key}' but the archive has no '{root}data/{r.Key}'.", full);
                    long bytes;
                    try { bytes = checked(r.ElementCount * r.ElementSize); }
                    catch (OverflowException) { throw new ModelLoadException($"Storage '{r.Key}' declares an impossible size.", full); }
                    if (entry.Length != bytes)
                        throw new ModelLoadException($"Storage '{r.Key}' should hold {bytes} bytes ({r.ElementCount} × {r.DType}) but its archive entry has {entry.Length}.", full);
                    var t = torch.empty(r.ElementCount, r.DType);
                    created.Add(t);
                    FillFromEntry(t, entry, bytes, full);
                    storages.Add(r.Key, t);
                    return t;
                }

                var unpickler = new RestrictedUnpickler(pickle, full, LoadStorage, created);
                object? top = unpickler.Load();
                var result = ExtractStateDict(top, full, options.DType, created);
                // Free every intermediate (storages, unused tensors); keep exactly the returned ones.
                var keep = new HashSet<Tensor>(result.Values, ReferenceEqualityComparer.Instance);
                foreach (var t in created) if (!keep.Contains(t)) t.Dispose();
                return result;
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or NotSupportedException)
            {
                foreach (var t in created) t.Dispose();
                throw new ModelLoadException($"The checkpoint archive is damaged or truncated: {ex.Message}", full, ex);
            }
            catch
            {
                foreach (var t in created) t.Dispose();
                throw;
            }
        }
    }

    private static Dictionary<string, Tensor> ExtractStateDict(object? top, string path, ScalarType? dtype, List<Tensor> created)
    {
        if (top is not PickleDict dict)
            throw new ModelLoadException("The checkpoint does not hold a dictionary of tensors at its top level.", path);
        var inner = dict.FirstOrDefault(kv => kv.Key is "state_dict" && kv.Value is PickleDict);
        if (inner.Value is PickleDict wrapped) dict = wrapped;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in dict)
        {
            if (k is not string name || v is not Tensor t) continue;
            if (!result.TryAdd(name, t))
                throw new ModelLoadException($"The checkpoint names tensor '{name}' twice.", path);
            if (dtype is { } d && t.dtype != d && SafetensorsDType.IsFloating(t.dtype))
            {
                var c = t.to_type(d);
                created.Add(c);
                result[name] = c;
            }
        }
        if (result.Count == 0)
            throw new ModelLoadException("The checkpoint holds no tensors (neither at the top level nor under 'state_dict').", path);
        return result;
    }

    private static string ReadSmallText(ZipArchiveEntry entry, string path)
    {
        if (entry.Length > 64) throw new ModelLoadException($"'{entry.FullName}' is unexpectedly large.", path);
        return System.Text.Encoding.ASCII.GetString(ReadEntry(entry, path)).Trim();
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, string path)
    {
        var buffer = new byte[entry.Length];
        using var s = entry.Open();
        int done = 0;
        while (done < buffer.Length)
        {
            int n = s.Read(buffer, done, buffer.Length - done);
            if (n <= 0) throw new ModelLoadException($"'{entry.FullName}' ends early; the archive is truncated.", path);
            done += n;
        }
        return buffer;
    }

    private static void FillFromEntry(Tensor target, ZipArchiveEntry entry, long bytes, string path)
    {
        if (bytes == 0) return;
        int elementSize = (int)target.element_size();
        const int chunk = 16 * 1024 * 1024;
        var buffer = new byte[(int)Math.Min(bytes, chunk)];
        using var s = entry.Open();
        long element = 0;
        long total = target.numel();
        while (element < total)
        {
            long count = Math.Min(buffer.Length / elementSize, total - element);
            int n = (int)(count * elementSize);
            int done = 0;
            while (done < n)
            {
                int r = s.Read(buffer, done, n - done);
                if (r <= 0) throw new ModelLoadException($"'{entry.FullName}' ends early; the archive is truncated.", path);
                done += r;
            }
            using var part = target.narrow(0, element, count);
            part.bytes = buffer.AsSpan(0, n);
            element += count;
        }
    }
}
