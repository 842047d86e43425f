using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>Reads a whole safetensors file into a name → tensor dictionary (validated; see <see cref="SafetensorsFile"/>).</summary>
public static class SafetensorsReader
{
    /// <summary>
    /// Loads every tensor of a safetensors file onto the CPU, in header order. Floating-point tensors are converted to
    /// <paramref name="dtype"/> when given (integer/bool tensors such as CLIP's <c>position_ids</c> keep their type).
    /// The caller owns the tensors. Throws <see cref="ModelLoadException"/> for a missing, truncated or hostile file.
    /// </summary>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <param name="dtype">Optional floating-point target type.</param>
    /// <param name="cancellationToken">Checked between tensors.</param>
    public static Dictionary<string, Tensor> Load(string path, ScalarType? dtype = null, CancellationToken cancellationToken = default)
    {
        using var file = SafetensorsFile.Open(path);
        var result = new Dictionary<string, Tensor>(file.Names.Count, StringComparer.Ordinal);
        try
        {
            foreach (var name in file.Names)
            {
                cancellationToken.ThrowIfCancellationRequested();
                result.Add(name, file.ReadTensor(name, dtype));
            }
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Reads only the header (names, dtypes, shapes, metadata) without loading any tensor.</summary>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    public static (IReadOnlyList<SafetensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata) ReadHeader(string path)
    {
        using var file = SafetensorsFile.Open(path);
        return (file.Names.Select(n => file.Entries[n]).ToList(), file.Metadata);
    }
}
