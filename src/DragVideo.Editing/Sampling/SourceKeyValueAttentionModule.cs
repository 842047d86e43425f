using static TorchSharp.torch;

namespace DragVideo.Editing.Sampling;

/// <summary>
/// A view of an attention module for a batch that stacks two streams <c>[source; edited]</c> along the batch axis:
/// queries are computed per row as usual, but keys and values of <em>both</em> halves are the source half's. Any
/// attention processor run on this view computes Eq. 6, <c>ŷ = softmax(Q(x̂)·K(x)ᵀ/√d)·V(x)</c>, for the edited
/// stream, and ordinary self-attention for the source stream.
/// </summary>
public sealed class SourceKeyValueAttentionModule : IAttentionModule
{
    private readonly IAttentionModule _inner;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public SourceKeyValueAttentionModule(IAttentionModule inner) => _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <inheritdoc />
    public AttentionLayerInfo Layer => _inner.Layer;

    /// <inheritdoc />
    public int Heads => _inner.Heads;

    /// <inheritdoc />
    public Tensor ToQuery(Tensor hiddenStates) => _inner.ToQuery(hiddenStates);

    /// <inheritdoc />
    public Tensor ToKey(Tensor context) => FromSource(context, _inner.ToKey);

    /// <inheritdoc />
    public Tensor ToValue(Tensor context) => FromSource(context, _inner.ToValue);

    /// <inheritdoc />
    public Tensor ToOutput(Tensor attended) => _inner.ToOutput(attended);

    private static Tensor FromSource(Tensor context, Func<Tensor, Tensor> project)
    {
        long n = context.shape[0];
        if (n % 2 != 0)
            throw new InvalidOperationException($"Mutual Self-Attention needs a batch of [source; edited] streams (even size); got {n} rows.");
        using var source = context.narrow(0, 0, n / 2);
        using var projected = project(source);
        return cat(new[] { projected, projected }, 0);
    }
}
