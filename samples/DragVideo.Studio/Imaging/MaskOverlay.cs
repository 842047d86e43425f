namespace DragVideo.Studio.Imaging;

/// <summary>Draws a mask as a translucent RGBA layer for the page to put over a frame.</summary>
public static class MaskOverlay
{
    /// <summary>RGBA pixels: inside the mask a translucent green, outside fully transparent; the edge is opaque.</summary>
    public static byte[] ToRgba(BinaryMask mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        int w = mask.Width, h = mask.Height;
        var px = new byte[checked(w * h * 4)];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (!mask[x, y]) continue;
                bool edge = x == 0 || y == 0 || x == w - 1 || y == h - 1
                            || !mask[x - 1, y] || !mask[x + 1, y] || !mask[x, y - 1] || !mask[x, y + 1];
                int i = (y * w + x) * 4;
                px[i] = 40; px[i + 1] = 220; px[i + 2] = 120;
                px[i + 3] = edge ? (byte)230 : (byte)90;
            }
        return px;
    }
}
