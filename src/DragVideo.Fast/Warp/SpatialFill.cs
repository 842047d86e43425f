using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.Fast;

/// <summary>
/// Spatial inpainting by push–pull (Gortler et al., "The Lumigraph", 1996, §3.4 pull–push): the known pixels are
/// averaged down a pyramid of 2× reductions (each level keeps the fraction of known area as its weight), then pulled
/// back up, each level keeping its own values where it has support and taking the bilinearly enlarged coarser level
/// where it has not. Unknown areas get a smooth continuation of their surroundings; known pixels are unchanged.
/// </summary>
internal static class SpatialFill
{
    /// <summary>
    /// Fills the pixels of <paramref name="image"/> (float <c>[C, H, W]</c>) where <paramref name="known"/> (float
    /// <c>[H, W]</c>, 1 = known, 0 = unknown) is 0. Returns a new tensor; known pixels are copied exactly.
    /// </summary>
    public static Tensor Fill(Tensor image, Tensor known)
    {
        using var scope = NewDisposeScope();
        var weights = new List<Tensor>();
        var values = new List<Tensor>();
        var w = known.unsqueeze(0).unsqueeze(0).to_type(ScalarType.Float32);
        var c = (image.unsqueeze(0) * w);
        weights.Add(w);
        values.Add(c);
        while (w.shape[2] > 1 || w.shape[3] > 1)
        {
            var wsum = F.avg_pool2d(w, kernel_size: 2, stride: 2, ceil_mode: true, count_include_pad: false);
            var csum = F.avg_pool2d(c, kernel_size: 2, stride: 2, ceil_mode: true, count_include_pad: false);
            w = wsum;
            c = csum;
            weights.Add(w);
            values.Add(c);
            if (w.shape[2] == 1 && w.shape[3] == 1) break;
        }
        // Normalised colour per level (premultiplied by weight until here).
        Tensor filled = values[^1] / weights[^1].clamp_min(1e-8f);
        for (int l = weights.Count - 2; l >= 0; l--)
        {
            var size = new long[] { weights[l].shape[2], weights[l].shape[3] };
            var up = F.interpolate(filled, size, mode: InterpolationMode.Bilinear, align_corners: false);
            var wl = weights[l];
            var own = values[l] / wl.clamp_min(1e-8f);
            // Support saturates at half the area known: a level keeps its own average there, elsewhere it blends in
            // the coarser continuation.
            var alpha = (wl * 2f).clamp(0f, 1f);
            filled = own * alpha + up * (1f - alpha);
        }
        var result = torch.where(known.gt(0.5f).unsqueeze(0), image, filled[0]);
        return result.MoveToOuterDisposeScope();
    }
}
