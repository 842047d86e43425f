using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Media;

/// <summary>
/// Lays out N frames of a clip in a row — the original clip's row above the edited clip's row — for a quick visual
/// comparison (save it with <see cref="ImageFile.Write"/>).
/// </summary>
public static class ContactSheet
{
    /// <summary>
    /// Picks <paramref name="frameCount"/> evenly spaced frames (indices <c>round(i · (F − 1) / (N − 1))</c>, so the first
    /// and last are included; N is capped at F) and returns a float32 tensor <c>[3, rows · H + (rows − 1) · s,
    /// N · W + (N − 1) · s]</c> on the CPU (s = <paramref name="spacing"/>, gaps filled white; rows = 2, or 1 when
    /// <paramref name="edited"/> is null). Frame i of the row sits at x = i · (W + s); the edited row at y = H + s.
    /// </summary>
    /// <exception cref="ArgumentException">the clips differ in size or frame count, or N &lt; 1.</exception>
    public static Tensor Render(VideoClip original, VideoClip? edited, int frameCount, int spacing = 4)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentOutOfRangeException.ThrowIfLessThan(frameCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(spacing);
        if (edited is not null && (edited.Width != original.Width || edited.Height != original.Height || edited.FrameCount != original.FrameCount))
            throw new ArgumentException(
                $"the edited clip is {edited.FrameCount}×{edited.Width}×{edited.Height} (frames×W×H); the original is {original.FrameCount}×{original.Width}×{original.Height}.",
                nameof(edited));
        int n = Math.Min(frameCount, original.FrameCount);
        int w = original.Width, h = original.Height, rows = edited is null ? 1 : 2;
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var sheet = torch.ones(3, rows * h + (rows - 1) * spacing, n * w + (n - 1) * spacing);
        for (int i = 0; i < n; i++)
        {
            int idx = SelectedIndex(i, n, original.FrameCount);
            int x = i * (w + spacing);
            sheet[.., 0..h, x..(x + w)] = original.Frames[idx].to(CPU).to_type(ScalarType.Float32);
            if (edited is not null)
                sheet[.., (h + spacing)..(2 * h + spacing), x..(x + w)] = edited.Frames[idx].to(CPU).to_type(ScalarType.Float32);
        }
        return sheet.MoveToOuterDisposeScope();
    }

    /// <summary>The frame index shown in column <paramref name="i"/> of <paramref name="n"/> for a clip of <paramref name="frames"/> frames.</summary>
    public static int SelectedIndex(int i, int n, int frames) =>
        n <= 1 ? 0 : (int)Math.Round(i * (frames - 1) / (double)(n - 1), MidpointRounding.AwayFromZero);
}
