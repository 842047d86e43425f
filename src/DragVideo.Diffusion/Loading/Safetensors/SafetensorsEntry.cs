using TorchSharp;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// One tensor described by a safetensors header: its name, dtype, shape and byte span within the data section
/// (offsets relative to the first byte after the header, end exclusive). Validated against the file when opened.
/// </summary>
/// <param name="Name">Tensor name (state-dict key).</param>
/// <param name="DTypeCode">The header's dtype code, e.g. <c>F32</c>.</param>
/// <param name="DType">The matching TorchSharp type.</param>
/// <param name="Shape">Dimensions (empty for a scalar).</param>
/// <param name="Begin">First byte of the tensor in the data section.</param>
/// <param name="End">One past the last byte of the tensor in the data section.</param>
public sealed record SafetensorsEntry(string Name, string DTypeCode, torch.ScalarType DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of bytes the tensor occupies.</summary>
    public long ByteLength => End - Begin;

    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The shape as <c>[a, b, c]</c>, for messages.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
