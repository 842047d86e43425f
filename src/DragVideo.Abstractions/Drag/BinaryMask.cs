using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo;

/// <summary>
/// An immutable binary mask of a frame (true = editable). Stored row-major, <see cref="Width"/> × <see cref="Height"/>.
/// </summary>
public sealed class BinaryMask : IEquatable<BinaryMask>
{
    private readonly bool[] _data;

    /// <summary>Creates a mask from row-major values (copied).</summary>
    /// <exception cref="ArgumentException">the value count is not <c>width × height</c>.</exception>
    public BinaryMask(int width, int height, ReadOnlySpan<bool> values)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (values.Length != width * height)
            throw new ArgumentException($"a {width}×{height} mask needs {width * height} values; got {values.Length}.", nameof(values));
        Width = width;
        Height = height;
        _data = values.ToArray();
    }

    private BinaryMask(int width, int height, bool[] owned)
    {
        Width = width;
        Height = height;
        _data = owned;
    }

    /// <summary>Mask width in pixels.</summary>
    public int Width { get; }

    /// <summary>Mask height in pixels.</summary>
    public int Height { get; }

    /// <summary>Value at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public bool this[int x, int y] => _data[y * Width + x];

    /// <summary>Row-major values.</summary>
    public ReadOnlySpan<bool> Values => _data;

    /// <summary>Number of true pixels.</summary>
    public int Count => _data.Count(v => v);

    /// <summary>A mask with every pixel set to <paramref name="value"/>.</summary>
    public static BinaryMask Filled(int width, int height, bool value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var d = new bool[width * height];
        if (value) Array.Fill(d, true);
        return new BinaryMask(width, height, d);
    }

    /// <summary>Builds a mask from a function of (x, y).</summary>
    public static BinaryMask FromFunction(int width, int height, Func<int, int, bool> inside)
    {
        ArgumentNullException.ThrowIfNull(inside);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        var d = new bool[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                d[y * width + x] = inside(x, y);
        return new BinaryMask(width, height, d);
    }

    /// <summary>Builds a mask from a tensor <c>[H, W]</c> or <c>[1, H, W]</c>; values above <paramref name="threshold"/> are true.</summary>
    public static BinaryMask FromTensor(Tensor mask, float threshold = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(mask);
        using var scope = NewDisposeScope();
        var m = mask.detach().to(CPU);
        if (m.dim() == 3 && m.shape[0] == 1) m = m[0];
        if (m.dim() != 2) throw new ArgumentException($"mask tensor must be [H, W] or [1, H, W]; got [{string.Join(", ", mask.shape)}].", nameof(mask));
        var b = m.to_type(ScalarType.Float32).gt(threshold).contiguous();
        return new BinaryMask((int)b.shape[1], (int)b.shape[0], b.data<bool>().ToArray());
    }

    /// <summary>The mask as a float32 tensor <c>[H, W]</c> of 0/1 on the CPU (caller owns it).</summary>
    public Tensor ToTensor() => torch.tensor(_data, new long[] { Height, Width }).to_type(ScalarType.Float32);

    /// <inheritdoc />
    public bool Equals(BinaryMask? other) =>
        other is not null && other.Width == Width && other.Height == Height && other._data.AsSpan().SequenceEqual(_data);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as BinaryMask);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Width, Height, Count);
}
