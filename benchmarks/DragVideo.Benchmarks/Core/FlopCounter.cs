using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Benchmarks;

/// <summary>
/// Counts the multiply-adds of one forward pass from the module shapes actually run: forward hooks on every Linear and
/// Conv2d (output elements × fan-in) plus, through wrapped attention processors, QKᵀ and AV (2·N·L·S·inner).
/// Elementwise ops, norms and softmax are not counted (a few percent), so achieved GFLOP/s is slightly underestimated.
/// </summary>
internal sealed class FlopCounter : IDisposable
{
    private readonly List<IDisposable> _undo = new();
    private long _macs;

    private FlopCounter() { }

    /// <summary>Multiply-adds counted so far.</summary>
    public long MultiplyAdds => Interlocked.Read(ref _macs);

    /// <summary>FLOP = 2 × multiply-adds.</summary>
    public double Flops => 2.0 * MultiplyAdds;

    /// <summary>Attaches counting hooks to <paramref name="model"/> and, if given, to a backbone's attention layers.</summary>
    public static FlopCounter Attach(nn.Module model, IVideoDiffusionBackbone? backbone = null)
    {
        var counter = new FlopCounter();
        foreach (var (_, m) in model.named_modules())
        {
            switch (m)
            {
                case Linear lin:
                {
                    long fanIn = lin.weight!.shape[1];
                    var h = lin.register_forward_hook((_, _, o) => { counter.Add(o.numel() * fanIn); return o; });
                    counter._undo.Add(new ActionDisposable(h.remove));
                    break;
                }
                case Conv2d conv:
                {
                    long fanIn = conv.weight!.shape[1] * conv.weight!.shape[2] * conv.weight!.shape[3];
                    var h = conv.register_forward_hook((_, _, o) => { counter.Add(o.numel() * fanIn); return o; });
                    counter._undo.Add(new ActionDisposable(h.remove));
                    break;
                }
            }
        }
        if (backbone is not null)
        {
            foreach (var layer in backbone.AttentionLayers)
            {
                var original = backbone.GetAttentionProcessor(layer.Path);
                backbone.SetAttentionProcessor(layer.Path, new CountingProcessor(original, counter));
                counter._undo.Add(new ActionDisposable(() => backbone.SetAttentionProcessor(layer.Path, original)));
            }
        }
        return counter;
    }

    private void Add(long macs) => Interlocked.Add(ref _macs, macs);

    /// <summary>Resets the count.</summary>
    public void Reset() => Interlocked.Exchange(ref _macs, 0);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var u in _undo) u.Dispose();
        _undo.Clear();
    }

    private sealed class CountingProcessor(IAttentionProcessor inner, FlopCounter counter) : IAttentionProcessor
    {
        public Tensor Process(IAttentionModule attention, Tensor hiddenStates, Tensor? encoderHiddenStates, AttentionContext context)
        {
            var result = inner.Process(attention, hiddenStates, encoderHiddenStates, context);
            long n = hiddenStates.shape[0], l = hiddenStates.shape[1];
            long s = (encoderHiddenStates ?? hiddenStates).shape[1];
            long inner2 = result.shape[^1]; // inner dim equals the query dim for every SD / AnimateDiff attention
            counter.Add(2 * n * l * s * inner2);
            return result;
        }
    }

    private sealed class ActionDisposable(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
