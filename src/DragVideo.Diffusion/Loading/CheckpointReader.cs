using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>Reads any supported weight file (safetensors, or a torch zip checkpoint when pickles are allowed) into a state dict.</summary>
public static class CheckpointReader
{
    /// <summary>True when the file starts like a safetensors file (by content, not extension).</summary>
    /// <param name="path">The file.</param>
    public static bool IsSafetensors(string path)
    {
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            using var fs = File.OpenRead(path);
            Span<byte> head = stackalloc byte[9];
            if (fs.Read(head) < 9) return false;
            return head[8] == (byte)'{' && BitConverter.ToUInt64(head[..8]) < (ulong)fs.Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Loads a weight file: safetensors by content or extension, otherwise a torch zip checkpoint (which requires
    /// <see cref="CheckpointReadOptions.AllowPickle"/>). Throws <see cref="ModelLoadException"/> on any problem.
    /// </summary>
    /// <param name="path">The weight file.</param>
    /// <param name="options">Pickle opt-in and dtype conversion.</param>
    /// <param name="cancellationToken">Checked between tensors.</param>
    public static Dictionary<string, Tensor> Load(string path, CheckpointReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new ModelLoadException("The weight file does not exist.", Path.GetFullPath(path));
        options ??= new CheckpointReadOptions();
        return IsSafetensors(path)
            ? SafetensorsReader.Load(path, options.DType, cancellationToken)
            : TorchCheckpointReader.Load(path, options, cancellationToken);
    }
}
