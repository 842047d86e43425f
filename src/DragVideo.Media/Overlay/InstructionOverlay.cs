using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Media;

/// <summary>
/// Draws a propagated drag instruction onto every frame (the paper's preview): the editable mask highlighted, an arrow
/// (outlined) from each handle to its target, the handle as a red disc and the target as a blue disc (drawn last, on top).
/// </summary>
public static class InstructionOverlay
{
    /// <summary>
    /// Returns a new clip (<c>[F, 3, H, W]</c> float32 in [0, 1], same fps) with the instruction drawn; the input clip is
    /// not changed. A mask that covers the whole frame is not highlighted (there is nothing to distinguish).
    /// </summary>
    /// <exception cref="ArgumentException">the instruction's frame count or mask size does not match the clip.</exception>
    public static VideoClip Render(VideoClip clip, PropagatedInstruction instruction, OverlayStyle? style = null)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(instruction);
        style ??= new OverlayStyle();
        int f = clip.FrameCount, w = clip.Width, h = clip.Height;
        if (instruction.Frames.Count != f)
            throw new ArgumentException($"the instruction has {instruction.Frames.Count} frames; the clip has {f}.", nameof(instruction));
        float[] data;
        using (var scope = NewDisposeScope())
            data = clip.Frames.detach().to(CPU).to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        int r = style.RadiusFor(w, h);
        float thick = style.ThicknessFor(r);
        for (int i = 0; i < f; i++)
        {
            var fi = instruction.Frames[i];
            var canvas = new FrameCanvas(data, i * 3 * w * h, w, h);
            if (fi.Mask is { } mask && style.MaskOpacity > 0)
            {
                if (mask.Width != w || mask.Height != h)
                    throw new ArgumentException($"frame {i}: the mask is {mask.Width}×{mask.Height}; the clip is {w}×{h}.", nameof(instruction));
                if (mask.Count < w * h)
                {
                    var v = mask.Values;
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++)
                            if (v[y * w + x]) canvas.Blend(x, y, style.MaskColor, style.MaskOpacity);
                }
            }
            if (style.ArrowOutlineColor is RgbColor outline)
                foreach (var p in fi.Pairs)
                    canvas.Arrow(p.Handle.X, p.Handle.Y, p.Target.X, p.Target.Y, thick + 2, 2.5f * r, outline);
            foreach (var p in fi.Pairs)
                canvas.Arrow(p.Handle.X, p.Handle.Y, p.Target.X, p.Target.Y, thick, 2.5f * r, style.ArrowColor);
            for (int j = 0; j < fi.Pairs.Count; j++)
            {
                var p = fi.Pairs[j];
                bool visible = j >= fi.Visible.Count || fi.Visible[j];
                if (visible || !style.HollowInvisibleHandles) canvas.Disc(p.Handle.X, p.Handle.Y, r, style.HandleColor);
                else canvas.Ring(p.Handle.X, p.Handle.Y, r, r - Math.Max(1f, r / 3f), style.HandleColor);
                canvas.Disc(p.Target.X, p.Target.Y, r, style.TargetColor);
            }
        }
        TorchRuntime.EnsureLoaded();
        return new VideoClip(torch.tensor(data, new long[] { f, 3, h, w }), clip.Fps);
    }
}
