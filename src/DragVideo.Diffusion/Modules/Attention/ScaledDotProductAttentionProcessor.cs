using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Attention;

/// <summary>
/// The default attention computation (diffusers' <c>AttnProcessor2_0</c>): q/k/v projections, split into heads,
/// <c>torch.nn.functional.scaled_dot_product_attention</c> (softmax(QKᵀ/√d)V; about 8× faster than an explicit
/// softmax on CPU), merge heads, output projection. Stateless and thread-safe.
/// </summary>
public sealed class ScaledDotProductAttentionProcessor : IAttentionProcessor
{
    /// <summary>The shared instance every layer starts with.</summary>
    public static ScaledDotProductAttentionProcessor Instance { get; } = new();

    /// <inheritdoc />
    public Tensor Process(IAttentionModule attention, Tensor hiddenStates, Tensor? encoderHiddenStates, AttentionContext context)
    {
        ArgumentNullException.ThrowIfNull(attention);
        ArgumentNullException.ThrowIfNull(hiddenStates);
        var kv = encoderHiddenStates ?? hiddenStates;
        var q = attention.ToQuery(hiddenStates);
        var k = attention.ToKey(kv);
        var v = attention.ToValue(kv);
        var attended = Attend(q, k, v, attention.Heads, context?.QuerySliceSize);
        return attention.ToOutput(attended);
    }

    /// <summary>
    /// Multi-head scaled-dot-product attention on projected tensors: <paramref name="query"/> <c>[N, L, inner]</c>,
    /// <paramref name="key"/>/<paramref name="value"/> <c>[N, S, inner]</c> → <c>[N, L, inner]</c>, in the query's dtype.
    /// Processors that only change what is attended to (e.g. swapped keys/values) can reuse it.
    /// </summary>
    public static Tensor Attend(Tensor query, Tensor key, Tensor value, int heads) => Attend(query, key, value, heads, null);

    /// <summary>
    /// <see cref="Attend(Tensor, Tensor, Tensor, int)"/> computed <paramref name="querySliceSize"/> queries at a time when
    /// the query is longer than that (null: all at once). Each query's softmax runs over all keys, so the result equals
    /// unsliced attention; only the size of the working set (and of what backward keeps) changes.
    /// </summary>
    public static Tensor Attend(Tensor query, Tensor key, Tensor value, int heads, int? querySliceSize)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (querySliceSize is < 1) throw new ArgumentOutOfRangeException(nameof(querySliceSize), querySliceSize, "must be at least 1 query (or null).");
        long n = query.shape[0];
        long inner = key.shape[^1];
        long headDim = inner / heads;
        var q = query.view(n, -1, heads, headDim).transpose(1, 2);
        var k = key.view(key.shape[0], -1, heads, headDim).transpose(1, 2);
        var v = value.view(value.shape[0], -1, heads, headDim).transpose(1, 2);
        long length = q.shape[2];
        Tensor o;
        if (querySliceSize is int slice && length > slice)
        {
            var chunks = new List<Tensor>();
            for (long start = 0; start < length; start += slice)
                chunks.Add(nn.functional.scaled_dot_product_attention(q.narrow(2, start, Math.Min(slice, length - start)), k, v));
            o = cat(chunks, 2);
            foreach (var c in chunks) c.Dispose();
        }
        else
        {
            o = nn.functional.scaled_dot_product_attention(q, k, v);
        }
        return o.transpose(1, 2).reshape(n, -1, heads * headDim).to_type(query.dtype);
    }
}
