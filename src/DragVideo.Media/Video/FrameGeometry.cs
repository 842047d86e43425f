using System.Globalization;

namespace DragVideo.Media;

/// <summary>
/// The output size of a decode and the ffmpeg filter that produces it from the source size (scale, then centre crop or
/// centred padding), computed in integers so the result is exact and testable.
/// </summary>
/// <param name="Width">output width.</param>
/// <param name="Height">output height.</param>
/// <param name="ScaledWidth">width after scaling, before crop/pad.</param>
/// <param name="ScaledHeight">height after scaling, before crop/pad.</param>
/// <param name="OffsetX">crop offset into (crop) or padding before (pad) the scaled frame, horizontally.</param>
/// <param name="OffsetY">crop offset into (crop) or padding before (pad) the scaled frame, vertically.</param>
/// <param name="Mode">crop or pad.</param>
internal sealed record FrameGeometry(int Width, int Height, int ScaledWidth, int ScaledHeight, int OffsetX, int OffsetY, ResizeMode Mode)
{
    public static FrameGeometry Plan(int sourceWidth, int sourceHeight, VideoReadOptions o)
    {
        bool crop = o.ResizeMode == ResizeMode.CenterCrop;
        int tw, th;
        if (o.Square)
        {
            int side = o.Width ?? o.Height ?? (crop ? Math.Min(sourceWidth, sourceHeight) : Math.Max(sourceWidth, sourceHeight));
            tw = th = side;
        }
        else if (o.Width is int w && o.Height is int h) (tw, th) = (w, h);
        else if (o.Width is int w2) (tw, th) = (w2, Math.Max(1, (int)Math.Round((double)sourceHeight * w2 / sourceWidth)));
        else if (o.Height is int h2) (tw, th) = (Math.Max(1, (int)Math.Round((double)sourceWidth * h2 / sourceHeight)), h2);
        else (tw, th) = (sourceWidth, sourceHeight);

        // The scale fits the source to the requested size; rounding to the multiple is then a crop (down) or a pad (up),
        // so a frame that only needs rounding is never resampled.
        int rw = RoundToMultiple(tw, o.MultipleOf, up: !crop);
        int rh = RoundToMultiple(th, o.MultipleOf, up: !crop);
        int sw, sh;
        if (crop)
        {
            double s = Math.Max((double)tw / sourceWidth, (double)th / sourceHeight);
            sw = Math.Max(rw, (int)Math.Round(sourceWidth * s));
            sh = Math.Max(rh, (int)Math.Round(sourceHeight * s));
            return new FrameGeometry(rw, rh, sw, sh, (sw - rw) / 2, (sh - rh) / 2, ResizeMode.CenterCrop);
        }
        else
        {
            double s = Math.Min((double)tw / sourceWidth, (double)th / sourceHeight);
            sw = Math.Clamp((int)Math.Round(sourceWidth * s), 1, rw);
            sh = Math.Clamp((int)Math.Round(sourceHeight * s), 1, rh);
            return new FrameGeometry(rw, rh, sw, sh, (rw - sw) / 2, (rh - sh) / 2, ResizeMode.Pad);
        }
    }

    /// <summary>The ffmpeg video filter chain for a source of the given size (always ends in rgb24).</summary>
    public string Filter(int sourceWidth, int sourceHeight)
    {
        var parts = new List<string>();
        if (ScaledWidth != sourceWidth || ScaledHeight != sourceHeight)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"scale={ScaledWidth}:{ScaledHeight}:flags=bicubic"));
        if (ScaledWidth != Width || ScaledHeight != Height)
        {
            parts.Add(Mode == ResizeMode.CenterCrop
                ? string.Create(CultureInfo.InvariantCulture, $"crop={Width}:{Height}:{OffsetX}:{OffsetY}")
                : string.Create(CultureInfo.InvariantCulture, $"pad={Width}:{Height}:{OffsetX}:{OffsetY}:black"));
        }
        parts.Add("format=rgb24");
        return string.Join(",", parts);
    }

    private static int RoundToMultiple(int v, int m, bool up)
    {
        if (m <= 1) return v;
        int r = up ? (v + m - 1) / m * m : v / m * m;
        return Math.Max(m, r);
    }
}
