using static TorchSharp.torch;

namespace DragVideo;

/// <summary>
/// What a backbone forward returns: the noise prediction (null when the pass stopped early after the last requested
/// feature) and the outputs of the requested up blocks, keyed by up-block index.
/// </summary>
/// <param name="Sample">noise prediction <c>[B, C, F, h, w]</c>, or null for a truncated pass.</param>
/// <param name="UpBlockFeatures">up-block index → output <c>[B, C_i, F, h_i, w_i]</c>.</param>
public sealed record UNetOutput(Tensor? Sample, IReadOnlyDictionary<int, Tensor> UpBlockFeatures) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Sample?.Dispose();
        foreach (var t in UpBlockFeatures.Values) t.Dispose();
    }
}
