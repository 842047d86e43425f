namespace DragVideo.Tracking;

/// <summary>
/// Masks drawn from simple shapes, evaluated at pixel centres (integer coordinates, as <see cref="DragPoint"/>):
/// rectangles, rotated ellipses, polygons (even–odd rule) and brush strokes with a radius.
/// </summary>
public static class MaskShapes
{
    /// <summary>Pixels with <c>left ≤ x ≤ right</c> and <c>top ≤ y ≤ bottom</c>.</summary>
    public static BinaryMask Rectangle(int width, int height, float left, float top, float right, float bottom)
    {
        if (!(right >= left) || !(bottom >= top))
            throw new ArgumentException($"rectangle ({left}, {top})–({right}, {bottom}) has negative size.", nameof(right));
        return BinaryMask.FromFunction(width, height, (x, y) => x >= left && x <= right && y >= top && y <= bottom);
    }

    /// <summary>An ellipse around <paramref name="centre"/> with semi-axes <paramref name="radiusX"/>, <paramref name="radiusY"/>,
    /// rotated by <paramref name="angleRadians"/> (clockwise on screen, since y points down).</summary>
    public static BinaryMask Ellipse(int width, int height, DragPoint centre, float radiusX, float radiusY, float angleRadians = 0)
    {
        if (!(radiusX > 0)) throw new ArgumentOutOfRangeException(nameof(radiusX), radiusX, "must be > 0.");
        if (!(radiusY > 0)) throw new ArgumentOutOfRangeException(nameof(radiusY), radiusY, "must be > 0.");
        float c = MathF.Cos(angleRadians), s = MathF.Sin(angleRadians);
        return BinaryMask.FromFunction(width, height, (x, y) =>
        {
            float dx = x - centre.X, dy = y - centre.Y;
            float u = (c * dx + s * dy) / radiusX, v = (-s * dx + c * dy) / radiusY;
            return u * u + v * v <= 1;
        });
    }

    /// <summary>The inside of a closed polygon (at least three vertices, even–odd rule).</summary>
    public static BinaryMask Polygon(int width, int height, IReadOnlyList<DragPoint> vertices)
    {
        ArgumentNullException.ThrowIfNull(vertices);
        if (vertices.Count < 3) throw new ArgumentException($"a polygon needs at least 3 vertices; got {vertices.Count}.", nameof(vertices));
        var vs = vertices.ToArray();
        var values = new bool[width * height];
        var xs = new List<float>();
        for (int y = 0; y < height; y++)
        {
            // Scan line through the pixel centres: collect edge crossings, fill between pairs.
            xs.Clear();
            for (int i = 0, j = vs.Length - 1; i < vs.Length; j = i++)
            {
                var a = vs[i]; var b = vs[j];
                if ((a.Y > y) != (b.Y > y))
                    xs.Add(a.X + (y - a.Y) * (b.X - a.X) / (b.Y - a.Y));
            }
            xs.Sort();
            for (int k = 0; k + 1 < xs.Count; k += 2)
            {
                int x0 = Math.Max(0, (int)MathF.Ceiling(xs[k])), x1 = Math.Min(width - 1, (int)MathF.Floor(xs[k + 1]));
                for (int x = x0; x <= x1; x++) values[y * width + x] = true;
            }
        }
        return new BinaryMask(width, height, values);
    }

    /// <summary>A brush stroke: every pixel within <paramref name="radius"/> of the polyline through <paramref name="stroke"/>
    /// (one point paints a disk).</summary>
    public static BinaryMask Brush(int width, int height, IReadOnlyList<DragPoint> stroke, float radius)
    {
        ArgumentNullException.ThrowIfNull(stroke);
        if (stroke.Count == 0) throw new ArgumentException("a brush stroke needs at least one point.", nameof(stroke));
        if (!(radius > 0)) throw new ArgumentOutOfRangeException(nameof(radius), radius, "must be > 0.");
        var values = new bool[width * height];
        float r2 = radius * radius;
        for (int i = 0; i < stroke.Count; i++)
        {
            var a = stroke[i];
            var b = i + 1 < stroke.Count ? stroke[i + 1] : a;
            int x0 = Math.Max(0, (int)MathF.Floor(MathF.Min(a.X, b.X) - radius)), x1 = Math.Min(width - 1, (int)MathF.Ceiling(MathF.Max(a.X, b.X) + radius));
            int y0 = Math.Max(0, (int)MathF.Floor(MathF.Min(a.Y, b.Y) - radius)), y1 = Math.Min(height - 1, (int)MathF.Ceiling(MathF.Max(a.Y, b.Y) + radius));
            float ex = b.X - a.X, ey = b.Y - a.Y, len2 = ex * ex + ey * ey;
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                {
                    float t = len2 > 0 ? Math.Clamp(((x - a.X) * ex + (y - a.Y) * ey) / len2, 0, 1) : 0;
                    float dx = x - (a.X + t * ex), dy = y - (a.Y + t * ey);
                    if (dx * dx + dy * dy <= r2) values[y * width + x] = true;
                }
            if (stroke.Count > 1 && i + 1 == stroke.Count - 1) break;
        }
        return new BinaryMask(width, height, values);
    }
}
