using static TorchSharp.torch;

namespace DragVideo.Editing.Drag;

/// <summary>
/// Builds F(ẑ_t) of Eq. 2 from a backbone pass: the chosen up-block outputs, each bilinearly resized
/// (<c>align_corners = false</c>, as DragDiffusion's <c>F.interpolate</c>) to the feature size and concatenated along
/// channels. Also converts points between frame pixels and feature pixels (pixel centres at integers on both).
/// </summary>
public static class DragFeatures
{
    /// <summary>Feature-map size for a frame of <paramref name="width"/> × <paramref name="height"/> at <paramref name="scale"/>.</summary>
    public static (int Width, int Height) Size(int width, int height, double scale) =>
        (Math.Max(2, (int)Math.Round(width * scale)), Math.Max(2, (int)Math.Round(height * scale)));

    /// <summary>
    /// Concatenates the requested up-block outputs <c>[1, C_b, F, h_b, w_b]</c> into <c>[F, ΣC_b, H', W']</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">a requested block is missing from <paramref name="output"/>.</exception>
    public static Tensor FromOutput(UNetOutput output, IReadOnlyList<int> upBlocks, int featureWidth, int featureHeight)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(upBlocks);
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>(upBlocks.Count);
        foreach (var b in upBlocks)
        {
            var perFrame = Block(output, b)[0].permute(1, 0, 2, 3); // [F, C, h, w]
            parts.Add(nn.functional.interpolate(perFrame, new long[] { featureHeight, featureWidth }, mode: InterpolationMode.Bilinear,
                align_corners: false));
        }
        return cat(parts, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Up block <paramref name="index"/>'s output <c>[1, C, F, h, w]</c> from <paramref name="output"/>.</summary>
    /// <exception cref="InvalidOperationException">the block is missing or not <c>[1, C, F, h, w]</c>.</exception>
    internal static Tensor Block(UNetOutput output, int index)
    {
        if (!output.UpBlockFeatures.TryGetValue(index, out var feature))
            throw new InvalidOperationException($"the backbone did not return up block {index}.");
        if (feature.dim() != 5 || feature.shape[0] != 1)
            throw new InvalidOperationException($"up block {index} output must be [1, C, F, h, w]; got [{string.Join(", ", feature.shape)}].");
        return feature;
    }

    /// <summary>Frame pixel → feature pixel: <c>f = (x + 0.5)·W'/W − 0.5</c> per axis.</summary>
    public static DragPoint ToFeature(DragPoint p, int width, int height, int featureWidth, int featureHeight) =>
        new((p.X + 0.5f) * featureWidth / width - 0.5f, (p.Y + 0.5f) * featureHeight / height - 0.5f);

    /// <summary>Feature pixel → frame pixel (inverse of <see cref="ToFeature(DragPoint, int, int, int, int)"/>).</summary>
    public static DragPoint ToImage(DragPoint f, int width, int height, int featureWidth, int featureHeight) =>
        new((f.X + 0.5f) * width / featureWidth - 0.5f, (f.Y + 0.5f) * height / featureHeight - 0.5f);

    /// <summary>Frame pixel → feature pixel by <paramref name="mapping"/>.</summary>
    public static DragPoint ToFeature(DragPoint p, int width, int height, int featureWidth, int featureHeight, DragPointMapping mapping) =>
        mapping == DragPointMapping.ScaleAndRound
            ? new(MathF.Round(p.X / width * featureWidth, MidpointRounding.ToEven), MathF.Round(p.Y / height * featureHeight, MidpointRounding.ToEven))
            : ToFeature(p, width, height, featureWidth, featureHeight);

    /// <summary>Feature pixel → frame pixel by <paramref name="mapping"/> (no rounding; for reporting).</summary>
    public static DragPoint ToImage(DragPoint f, int width, int height, int featureWidth, int featureHeight, DragPointMapping mapping) =>
        mapping == DragPointMapping.ScaleAndRound
            ? new(f.X / featureWidth * width, f.Y / featureHeight * height)
            : ToImage(f, width, height, featureWidth, featureHeight);

    /// <summary>
    /// Latent-size editable mask <c>[F, 1, h, w]</c> (1 = editable) from frame-size masks, by nearest-neighbour resizing
    /// as the released code does. Null masks mean the whole frame is editable.
    /// </summary>
    public static Tensor LatentMask(IReadOnlyList<BinaryMask>? masks, int frames, int latentWidth, int latentHeight, Device device)
    {
        if (masks is null) return ones(new long[] { frames, 1, latentHeight, latentWidth }, dtype: ScalarType.Float32, device: device);
        if (masks.Count != frames) throw new ArgumentException($"{masks.Count} masks for {frames} frames.", nameof(masks));
        using var scope = NewDisposeScope();
        var stacked = stack(masks.Select(m => m.ToTensor().unsqueeze(0)).ToList(), 0).to(device); // [F, 1, H, W]
        return nn.functional.interpolate(stacked, new long[] { latentHeight, latentWidth }, mode: InterpolationMode.Nearest)
            .MoveToOuterDisposeScope();
    }
}
