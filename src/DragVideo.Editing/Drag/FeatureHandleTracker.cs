using static TorchSharp.torch;

namespace DragVideo.Editing.Drag;

/// <summary>
/// Embedded point tracking (Eq. 5): after a latent update, each handle moves to
/// <c>argmin_{q ∈ Ω(p, r')} ‖F_q(ẑ_t) − F_{p⁰}(z_t)‖₁</c>, the feature-space nearest neighbour of the handle's
/// <em>original</em> feature within the square window of radius r' around its current position. Unlike the released
/// code, the window is clipped to the map (boundary protection), so a handle near the border never searches outside it.
/// </summary>
public sealed class FeatureHandleTracker
{
    /// <summary>Creates a tracker.</summary>
    /// <param name="searchRadius">r': window radius in feature pixels (DragDiffusion: 3).</param>
    public FeatureHandleTracker(int searchRadius = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(searchRadius);
        SearchRadius = searchRadius;
    }

    /// <summary>r': window radius in feature pixels.</summary>
    public int SearchRadius { get; }

    /// <summary>
    /// Reads the reference features <c>F_{p⁰}(z_t)</c> of every frame's initial handles from the original features
    /// <c>[F, C, H, W]</c> (bilinear for sub-pixel handles). Result: per frame a tensor <c>[C, pairs]</c> (caller owns).
    /// </summary>
    public IReadOnlyList<Tensor> ReferenceFeatures(Tensor originalFeatures, IReadOnlyList<IReadOnlyList<DragPoint>> initialHandles)
    {
        ArgumentNullException.ThrowIfNull(originalFeatures);
        ArgumentNullException.ThrowIfNull(initialHandles);
        using var noGrad = no_grad();
        var result = new List<Tensor>(initialHandles.Count);
        for (int i = 0; i < initialHandles.Count; i++)
        {
            using var frame = originalFeatures[i];
            result.Add(initialHandles[i].Count == 0
                ? zeros(new long[] { originalFeatures.shape[1], 0 }, dtype: originalFeatures.dtype, device: originalFeatures.device)
                : FeaturePatch.Sample(frame, initialHandles[i].Select(p => (p.X, p.Y)).ToList()));
        }
        return result;
    }

    /// <summary>
    /// Moves every handle to the nearest neighbour of its reference feature within the clipped window. Returns new
    /// integer-valued handle positions (feature pixels); the inputs are not modified.
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
                var window = FeaturePatch.Cells(handles[i][j], SearchRadius, width, height);
                var candidates = FeaturePatch.Gather(frame, window);                  // [C, N]
                var reference = references[i][TensorIndex.Colon, TensorIndex.Slice(j, j + 1)]; // [C, 1]
                var distances = candidates.sub(reference).abs().sum(dim: 0);                // [N]
                int best = (int)distances.argmin().item<long>();
                moved.Add(new DragPoint(window[best].X, window[best].Y));
            }
            result.Add(moved);
        }
        return result;
    }
}
