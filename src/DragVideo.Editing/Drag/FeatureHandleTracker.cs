using static TorchSharp.torch;

namespace DragVideo.Editing.Drag;

/// <summary>
/// Embedded point tracking (Eq. 5): after a latent update, each handle moves to
/// <c>argmin_{q ∈ Ω(p, r')} ‖F_q(ẑ_t) − F_{p⁰}(z_t)‖₁</c>, the feature-space nearest neighbour of the handle's
/// <em>original</em> feature within the square window of radius r' around its current cell (first minimum in row-major
/// order, as <c>argmin</c> over the released code's window). Unlike the released code, the window is clipped to the map
/// (boundary protection), so a handle near the border never searches outside it; where the released code's window is
/// merely truncated at the bottom or right edge, the two agree.
/// </summary>
public sealed class FeatureHandleTracker
{
    /// <summary>Creates a tracker.</summary>
    /// <param name="searchRadius">r': window radius in feature pixels (DragDiffusion: 3).</param>
    /// <param name="cellRounding">how a sub-pixel handle picks its window's centre cell (released code: truncation).</param>
    public FeatureHandleTracker(int searchRadius = 3, HandleCellRounding cellRounding = HandleCellRounding.Nearest)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(searchRadius);
        if (!Enum.IsDefined(cellRounding)) throw new ArgumentOutOfRangeException(nameof(cellRounding), cellRounding, "unknown handle rounding.");
        SearchRadius = searchRadius;
        CellRounding = cellRounding;
    }

    /// <summary>r': window radius in feature pixels.</summary>
    public int SearchRadius { get; }

    /// <summary>How a sub-pixel handle picks its window's centre cell.</summary>
    public HandleCellRounding CellRounding { get; }

    /// <summary>
    /// Reads the reference features <c>F_{p⁰}(z_t)</c> of every frame's initial handles from the original features
    /// <c>[F, C, H, W]</c>: bilinear for sub-pixel handles with <see cref="HandleCellRounding.Nearest"/>, the handle's
    /// cell with <see cref="HandleCellRounding.Truncate"/> (the released <c>F0[:, :, int(p0₀), int(p0₁)]</c>).
    /// Result: per frame a tensor <c>[C, pairs]</c> (caller owns).
    /// </summary>
    public IReadOnlyList<Tensor> ReferenceFeatures(Tensor originalFeatures, IReadOnlyList<IReadOnlyList<DragPoint>> initialHandles)
    {
        ArgumentNullException.ThrowIfNull(originalFeatures);
        ArgumentNullException.ThrowIfNull(initialHandles);
        using var noGrad = no_grad();
        int height = (int)originalFeatures.shape[2], width = (int)originalFeatures.shape[3];
        var result = new List<Tensor>(initialHandles.Count);
        for (int i = 0; i < initialHandles.Count; i++)
        {
            using var frame = originalFeatures[i];
            var handles = initialHandles[i];
            if (handles.Count == 0)
                result.Add(zeros(new long[] { originalFeatures.shape[1], 0 }, dtype: originalFeatures.dtype, device: originalFeatures.device));
            else if (CellRounding == HandleCellRounding.Truncate)
                result.Add(FeaturePatch.Gather(frame, handles.Select(p => (
                    Math.Clamp(FeaturePatch.CellOf(p.X, CellRounding), 0, width - 1),
                    Math.Clamp(FeaturePatch.CellOf(p.Y, CellRounding), 0, height - 1))).ToList()));
            else
                result.Add(FeaturePatch.Sample(frame, handles.Select(p => (p.X, p.Y)).ToList()));
        }
        return result;
    }

    /// <summary>
    /// Moves every handle to the nearest neighbour of its reference feature within the clipped window. With
    /// <see cref="HandleCellRounding.Nearest"/> the new handle is the winning cell; with
    /// <see cref="HandleCellRounding.Truncate"/> it moves by the winning cell's offset from its centre cell and keeps its
    /// fractional part (the released <c>p − r' + (row, col)</c>). The inputs are not modified.
    /// </summary>
    /// <param name="currentFeatures">features of the current latent, <c>[F, C, H, W]</c>.</param>
    /// <param name="references">per frame <c>[C, pairs]</c> from <see cref="ReferenceFeatures"/>.</param>
    /// <param name="handles">per frame, the current handle of each pair.</param>
    public IReadOnlyList<IReadOnlyList<DragPoint>> Track(Tensor currentFeatures, IReadOnlyList<Tensor> references,
        IReadOnlyList<IReadOnlyList<DragPoint>> handles)
    {
        ArgumentNullException.ThrowIfNull(currentFeatures);
        ArgumentNullException.ThrowIfNull(references);
        ArgumentNullException.ThrowIfNull(handles);
        int height = (int)currentFeatures.shape[2], width = (int)currentFeatures.shape[3];
        using var noGrad = no_grad();
        var result = new List<IReadOnlyList<DragPoint>>(handles.Count);
        for (int i = 0; i < handles.Count; i++)
        {
            using var scope = NewDisposeScope();
            var frame = currentFeatures[i].detach();
            var moved = new List<DragPoint>(handles[i].Count);
            for (int j = 0; j < handles[i].Count; j++)
            {
                var handle = handles[i][j];
                var window = FeaturePatch.Cells(handle, SearchRadius, width, height, CellRounding);
                if (window.Count == 0) { moved.Add(handle); continue; }
                var candidates = FeaturePatch.Gather(frame, window);                  // [C, N]
                var reference = references[i][TensorIndex.Colon, TensorIndex.Slice(j, j + 1)]; // [C, 1]
                var distances = reference.sub(candidates).abs().sum(dim: 0);                // [N]
                var best = window[(int)distances.argmin().item<long>()];
                moved.Add(CellRounding == HandleCellRounding.Truncate
                    ? new DragPoint(handle.X + (best.X - FeaturePatch.CellOf(handle.X, CellRounding)),
                        handle.Y + (best.Y - FeaturePatch.CellOf(handle.Y, CellRounding)))
                    : new DragPoint(best.X, best.Y));
            }
            result.Add(moved);
        }
        return result;
    }
}
