namespace DragVideo.Media;

/// <summary>
/// Draws on one frame held as planar float RGB (<c>[3, H, W]</c> layout inside a larger buffer). Shapes are tested at
/// pixel centres (integer coordinates), without anti-aliasing, so tests can predict every pixel.
/// </summary>
internal readonly struct FrameCanvas
{
    private readonly float[] _data;
    private readonly int _offset;

    public FrameCanvas(float[] data, int offset, int width, int height)
    {
        _data = data;
        _offset = offset;
        Width = width;
        Height = height;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Blends <paramref name="c"/> into pixel (x, y) with opacity <paramref name="alpha"/>; outside pixels are ignored.</summary>
    public void Blend(int x, int y, RgbColor c, float alpha)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        int plane = Width * Height, i = _offset + y * Width + x;
        _data[i] += (c.R - _data[i]) * alpha;
        _data[i + plane] += (c.G - _data[i + plane]) * alpha;
        _data[i + 2 * plane] += (c.B - _data[i + 2 * plane]) * alpha;
    }

    /// <summary>Filled disc: pixels with <c>(x−cx)² + (y−cy)² ≤ r²</c>.</summary>
    public void Disc(float cx, float cy, float r, RgbColor c) => Ring(cx, cy, r, -1, c);

    /// <summary>Ring: pixels with <c>inner² &lt; d² ≤ r²</c> (inner &lt; 0 fills the disc).</summary>
    public void Ring(float cx, float cy, float r, float inner, RgbColor c)
    {
        float r2 = r * r, i2 = inner < 0 ? -1 : inner * inner;
        for (int y = (int)MathF.Floor(cy - r); y <= (int)MathF.Ceiling(cy + r); y++)
            for (int x = (int)MathF.Floor(cx - r); x <= (int)MathF.Ceiling(cx + r); x++)
            {
                float d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                if (d2 <= r2 && d2 > i2) Blend(x, y, c, 1f);
            }
    }

    /// <summary>Thick segment: pixels within <paramref name="thickness"/>/2 of the segment from a to b.</summary>
    public void Line(float ax, float ay, float bx, float by, float thickness, RgbColor c)
    {
        float h = MathF.Max(0.5f, thickness / 2f), h2 = h * h;
        float vx = bx - ax, vy = by - ay, len2 = vx * vx + vy * vy;
        int x0 = (int)MathF.Floor(MathF.Min(ax, bx) - h), x1 = (int)MathF.Ceiling(MathF.Max(ax, bx) + h);
        int y0 = (int)MathF.Floor(MathF.Min(ay, by) - h), y1 = (int)MathF.Ceiling(MathF.Max(ay, by) + h);
        for (int y = Math.Max(0, y0); y <= Math.Min(Height - 1, y1); y++)
            for (int x = Math.Max(0, x0); x <= Math.Min(Width - 1, x1); x++)
            {
                float t = len2 == 0 ? 0 : Math.Clamp(((x - ax) * vx + (y - ay) * vy) / len2, 0, 1);
                float dx = x - ax - t * vx, dy = y - ay - t * vy;
                if (dx * dx + dy * dy <= h2) Blend(x, y, c, 1f);
            }
    }

    /// <summary>Arrow from a to b: the shaft plus two barbs at b, each <paramref name="head"/> long at ±30°.</summary>
    public void Arrow(float ax, float ay, float bx, float by, float thickness, float head, RgbColor c)
    {
        Line(ax, ay, bx, by, thickness, c);
        float len = MathF.Sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
        if (len < 1e-3f) return;
        float ux = (ax - bx) / len, uy = (ay - by) / len;
        float hl = MathF.Min(head, len);
        const float cos = 0.8660254f, sin = 0.5f;
        Line(bx, by, bx + hl * (ux * cos - uy * sin), by + hl * (ux * sin + uy * cos), thickness, c);
        Line(bx, by, bx + hl * (ux * cos + uy * sin), by + hl * (-ux * sin + uy * cos), thickness, c);
    }
}
