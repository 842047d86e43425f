using TorchSharp;

namespace DragVideo.Diffusion.Loading;

/// <summary>The safetensors dtype codes this SDK reads and writes, with their TorchSharp types and element sizes.</summary>
internal static class SafetensorsDType
{
    private static readonly Dictionary<string, (torch.ScalarType Type, int Size)> ByCode = new(StringComparer.Ordinal)
    {
        ["F64"] = (torch.ScalarType.Float64, 8),
        ["F32"] = (torch.ScalarType.Float32, 4),
        ["F16"] = (torch.ScalarType.Float16, 2),
        ["BF16"] = (torch.ScalarType.BFloat16, 2),
        ["I64"] = (torch.ScalarType.Int64, 8),
        ["I32"] = (torch.ScalarType.Int32, 4),
        ["I16"] = (torch.ScalarType.Int16, 2),
        ["I8"] = (torch.ScalarType.Int8, 1),
        ["U8"] = (torch.ScalarType.Byte, 1),
        ["BOOL"] = (torch.ScalarType.Bool, 1),
    };

    /// <summary>Every dtype code accepted in a header (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL).</summary>
    public static IReadOnlyCollection<string> Codes => ByCode.Keys;

    /// <summary>Looks up a header dtype code; false for codes this SDK does not read.</summary>
    public static bool TryParse(string code, out torch.ScalarType type, out int elementSize)
    {
        if (ByCode.TryGetValue(code, out var v))
        {
            type = v.Type;
            elementSize = v.Size;
            return true;
        }
        type = default;
        elementSize = 0;
        return false;
    }

    /// <summary>The header code for a TorchSharp type; <see cref="ModelLoadException"/> for types safetensors cannot hold here.</summary>
    public static string CodeOf(torch.ScalarType type)
    {
        foreach (var (code, v) in ByCode)
            if (v.Type == type) return code;
        throw new ModelLoadException($"Tensors of dtype {type} cannot be stored in safetensors by this SDK (supported: {string.Join(", ", Codes)}).");
    }

    /// <summary>Bytes per element of a supported TorchSharp type.</summary>
    public static int ElementSize(torch.ScalarType type)
    {
        TryParse(CodeOf(type), out _, out int size);
        return size;
    }

    /// <summary>True for the floating-point types (the ones a dtype conversion applies to).</summary>
    public static bool IsFloating(torch.ScalarType type) =>
        type is torch.ScalarType.Float64 or torch.ScalarType.Float32 or torch.ScalarType.Float16 or torch.ScalarType.BFloat16;
}
