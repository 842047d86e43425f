using static TorchSharp.torch;

namespace DragVideo.Editing.Sampling;

/// <summary>
/// A view of an attention module for a batch that stacks streams in pairs <c>[source; edited]</c> along the batch axis
/// (one pair, or with classifier-free guidance two: <c>[source, edited, source, edited]</c> for unconditional and
/// conditional): queries are computed per row as usual, but keys and values of <em>both</em> streams of a pair are that
/// pair's source stream's, row by row (frame f of the edited stream reads frame f of the source). Any attention processor
/// run on this view computes Eq. 6, <c>ŷ = softmax(Q(x̂)·K(x)ᵀ/√d)·V(x)</c>, for the edited stream, and ordinary
/// self-attention for the source stream (the released code's <c>MutualSelfAttentionControl</c>).
/// </summary>
public sealed class SourceKeyValueAttentionModule : IAttentionModule
{
    private readonly IAttentionModule _inner;
    private readonly int _pairs;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">the layer's module (possibly a LoRA view).</param>
    /// <param name="pairs">number of <c>[source; edited]</c> stream pairs stacked in the batch (2 with guidance).</param>
    public SourceKeyValueAttentionModule(IAttentionModule inner, int pairs = 1)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        _pairs = pairs;
    }

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

    private Tensor FromSource(Tensor context, Func<Tensor, Tensor> project)
    {
        long n = context.shape[0];
        if (n % (2 * _pairs) != 0)
            throw new InvalidOperationException($"Mutual Self-Attention needs a batch of {_pairs} [source; edited] stream pair(s); got {n} rows.");
        long rows = n / (2 * _pairs);
        if (_pairs == 1)
        {
            using var source = context.narrow(0, 0, rows);
            using var projected = project(source);
            return cat(new[] { projected, projected }, 0);
        }
        using var scope = NewDisposeScope();
        var tail = context.shape.Skip(1).ToArray();
        var sources = context.reshape(new long[] { _pairs, 2, rows }.Concat(tail).ToArray()).select(1, 0)
            .reshape(new long[] { _pairs * rows }.Concat(tail).ToArray());
        var p = project(sources);
        var pTail = p.shape.Skip(1).ToArray();
        return p.reshape(new long[] { _pairs, 1, rows }.Concat(pTail).ToArray())
            .expand(new long[] { _pairs, 2, rows }.Concat(pTail).ToArray())
            .reshape(new long[] { n }.Concat(pTail).ToArray()).MoveToOuterDisposeScope();
    }
}
