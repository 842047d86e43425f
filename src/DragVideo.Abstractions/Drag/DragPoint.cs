namespace DragVideo;

/// <summary>
/// A point in pixel coordinates of a frame: <see cref="X"/> to the right, <see cref="Y"/> down, sub-pixel allowed.
/// Pixel centres are at integer coordinates (pixel (0,0) covers [-0.5, 0.5)²).
/// </summary>
/// <param name="X">column coordinate in pixels.</param>
/// <param name="Y">row coordinate in pixels.</param>
public readonly record struct DragPoint(float X, float Y)
{
    /// <summary>Euclidean distance to another point, in pixels.</summary>
    public float DistanceTo(DragPoint other) => MathF.Sqrt((X - other.X) * (X - other.X) + (Y - other.Y) * (Y - other.Y));

    /// <summary>True when both coordinates are finite numbers.</summary>
    public bool IsFinite => float.IsFinite(X) && float.IsFinite(Y);

    /// <summary>True when the point lies inside a frame of the given size (pixel centres 0 … size−1).</summary>
    public bool IsInside(int width, int height) => X >= 0 && Y >= 0 && X <= width - 1 && Y <= height - 1;

    /// <summary>Component-wise sum.</summary>
    public static DragPoint operator +(DragPoint a, DragPoint b) => new(a.X + b.X, a.Y + b.Y);

    /// <summary>Component-wise difference.</summary>
    public static DragPoint operator -(DragPoint a, DragPoint b) => new(a.X - b.X, a.Y - b.Y);

    /// <summary>Scales both coordinates.</summary>
    public static DragPoint operator *(DragPoint a, float s) => new(a.X * s, a.Y * s);
}
