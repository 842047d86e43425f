using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

using DragVideo.Editing.Metrics;

namespace DragVideo.Editing.Tests.Metrics;

/// <summary>
/// The LibTorch formulation the metrics' patch search had before it moved to managed planes (<see cref="PatchLocator"/>):
/// the window's SSD as convolutions (energy − 2·cross + template energy), the patch by <c>grid_sample</c>. Kept as the
/// oracle the managed search is checked against.
/// </summary>
internal static class TorchPatchLocator
{
    /// <summary>The square patch of radius <paramref name="radius"/> centred at a sub-pixel point, <c>[3, k, k]</c>.</summary>
    internal static Tensor Patch(Tensor frame, DragPoint centre, int radius)
    {
        using var scope = NewDisposeScope();
        int h = (int)frame.shape[1], w = (int)frame.shape[2], k = 2 * radius + 1;
        var offs = torch.arange(-radius, radius + 1, dtype: ScalarType.Float32, device: frame.device);
        var ys = (offs + centre.Y).reshape(k, 1).expand(k, k);
        var xs = (offs + centre.X).reshape(1, k).expand(k, k);
        var grid = torch.stack(new[] { xs * (2f / Math.Max(1, w - 1)) - 1f, ys * (2f / Math.Max(1, h - 1)) - 1f }, 2).unsqueeze(0);
        var patch = F.grid_sample(frame.unsqueeze(0), grid, mode: GridSampleMode.Bilinear,
            padding_mode: GridSamplePaddingMode.Border, align_corners: true)[0];
        return patch.MoveToOuterDisposeScope();
    }

    /// <summary>SSD between the template and the patch of <paramref name="frame"/> at <paramref name="centre"/>.</summary>
    internal static double SsdAt(Tensor frame, Tensor template, DragPoint centre, int radius)
    {
        using var scope = NewDisposeScope();
        return (Patch(frame, centre, radius) - template).square().sum().item<float>();
    }

    /// <summary>
    /// Searches <paramref name="frame"/> <c>[3, H, W]</c> for <paramref name="template"/> <c>[3, k, k]</c> with centres
    /// in the box <c>[x0, x1] × [y0, y1]</c> (clipped to the frame).
    /// </summary>
    internal static PatchLocator.Match Search(Tensor frame, Tensor template, int radius, int x0, int y0, int x1, int y1)
    {
        using var scope = NewDisposeScope();
        int h = (int)frame.shape[1], w = (int)frame.shape[2];
        x0 = Math.Clamp(x0, 0, w - 1); x1 = Math.Clamp(x1, x0, w - 1);
        y0 = Math.Clamp(y0, 0, h - 1); y1 = Math.Clamp(y1, y0, h - 1);
        // Replicate-pad so that a template centred on any pixel fits (same convention as the Border sampling above).
        var padded = F.pad(frame.unsqueeze(0), new long[] { radius, radius, radius, radius }, PaddingModes.Replicate);
        var region = padded[TensorIndex.Colon, TensorIndex.Colon,
            TensorIndex.Slice(y0, y1 + 2 * radius + 1), TensorIndex.Slice(x0, x1 + 2 * radius + 1)];
        int k = 2 * radius + 1;
        var t = template.unsqueeze(0);
        var cross = F.conv2d(region, t)[0, 0];
        var energy = F.conv2d(region.square().sum(1, keepdim: true), torch.ones(1, 1, k, k, device: frame.device))[0, 0];
        var ssd = (energy - cross * 2f + t.square().sum()).clamp_min(0f);

        int mw = (int)ssd.shape[1], mh = (int)ssd.shape[0];
        var values = ssd.contiguous().data<float>().ToArray();
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] < values[best]) best = i;
        int by = best / mw, bx = best % mw;
        double dx = bx > 0 && bx < mw - 1 ? PatchLocator.Vertex(values[best - 1], values[best], values[best + 1]) : 0;
        double dy = by > 0 && by < mh - 1 ? PatchLocator.Vertex(values[best - mw], values[best], values[best + mw]) : 0;
        return new PatchLocator.Match(new DragPoint((float)(x0 + bx + dx), (float)(y0 + by + dy)), values[best]);
    }
}
