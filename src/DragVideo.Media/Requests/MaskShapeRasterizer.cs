namespace DragVideo;

/// <summary>
/// Rasterises the mask shapes of the drag-request JSON at pixel centres (pixel (x, y) is tested at its centre, the
/// integer point (x, y)). Shapes are applied in order; each adds to or subtracts from the mask.
/// </summary>
internal static class MaskShapeRasterizer
{
    /// <summary>One shape: an inside test plus its bounding box in pixel coordinates.</summary>
    internal sealed record Shape(bool Subtract, double MinX, double MinY, double MaxX, double MaxY, Func<double, double, bool> Inside);

    /// <summary>Rectangle covering pixel centres <c>x ≤ px &lt; x + width</c>, <c>y ≤ py &lt; y + height</c>.</summary>
    public static Shape Rectangle(bool subtract, double x, double y, double width, double height) =>
        new(subtract, x, y, x + width, y + height, (px, py) => px >= x && px < x + width && py >= y && py < y + height);

    /// <summary>Axis-aligned ellipse with centre (cx, cy) and radii rx, ry (boundary included).</summary>
    public static Shape Ellipse(bool subtract, double cx, double cy, double rx, double ry) =>
        new(subtract, cx - rx, cy - ry, cx + rx, cy + ry, (px, py) =>
        {
            double dx = (px - cx) / rx, dy = (py - cy) / ry;
            return dx * dx + dy * dy <= 1.0;
        });

    /// <summary>Polygon filled with the even-odd rule.</summary>
    public static Shape Polygon(bool subtract, IReadOnlyList<DragPoint> pts)
    {
        var xs = pts.Select(p => (double)p.X).ToArray();
        var ys = pts.Select(p => (double)p.Y).ToArray();
        return new(subtract, xs.Min(), ys.Min(), xs.Max(), ys.Max(), (px, py) =>
        {
            bool inside = false;
            for (int i = 0, j = xs.Length - 1; i < xs.Length; j = i++)
            {
                if ((ys[i] > py) != (ys[j] > py) && px < (xs[j] - xs[i]) * (py - ys[i]) / (ys[j] - ys[i]) + xs[i])
                    inside = !inside;
            }
            return inside;
        });
    }

    /// <summary>Brush stroke: every pixel centre within <paramref name="radius"/> of the polyline through the points.</summary>
    public static Shape Brush(bool subtract, double radius, IReadOnlyList<DragPoint> pts)
    {
        var xs = pts.Select(p => (double)p.X).ToArray();
        var ys = pts.Select(p => (double)p.Y).ToArray();
        double r2 = radius * radius;
        return new(subtract, xs.Min() - radius, ys.Min() - radius, xs.Max() + radius, ys.Max() + radius, (px, py) =>
        {
            if (xs.Length == 1) return Sq(px - xs[0]) + Sq(py - ys[0]) <= r2;
            for (int i = 0; i + 1 < xs.Length; i++)
            {
                double ax = xs[i], ay = ys[i], bx = xs[i + 1], by = ys[i + 1];
                double vx = bx - ax, vy = by - ay, len2 = vx * vx + vy * vy;
                double t = len2 == 0 ? 0 : Math.Clamp(((px - ax) * vx + (py - ay) * vy) / len2, 0, 1);
                if (Sq(px - ax - t * vx) + Sq(py - ay - t * vy) <= r2) return true;
            }
            return false;
        });
    }

    /// <summary>Applies the shapes in order to an empty mask of the frame size.</summary>
    public static BinaryMask Rasterize(int width, int height, IEnumerable<Shape> shapes)
    {
        var data = new bool[width * height];
        foreach (var s in shapes)
        {
            int x0 = Math.Max(0, (int)Math.Floor(s.MinX)), x1 = Math.Min(width - 1, (int)Math.Ceiling(s.MaxX));
            int y0 = Math.Max(0, (int)Math.Floor(s.MinY)), y1 = Math.Min(height - 1, (int)Math.Ceiling(s.MaxY));
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                    if (s.Inside(x, y)) data[y * width + x] = !s.Subtract;
        }
        return new BinaryMask(width, height, data);
    }

    private static double Sq(double v) => v * v;
}
