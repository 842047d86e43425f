using static TorchSharp.torch;

namespace DragVideo.Diffusion.Lora;

/// <summary>
/// An <see cref="IAttentionModule"/> whose projections carry LoRA updates: <c>W·x + s·B·A·x</c> for each adapted
/// projection, where <c>s</c> is the network's effective scale. The base module's weights are untouched, so the base
/// state-dict keys stay intact (diffusers' original <c>LoRAAttnProcessor</c> design). With <c>s = 0</c> the base
/// projection's output is returned as is, bit for bit.
/// </summary>
public sealed class LoraAttentionModule : IAttentionModule
{
    private readonly IAttentionModule _inner;
    private readonly LoraLayerAdapters _adapters;
    private readonly double _scale;

    /// <summary>Wraps <paramref name="inner"/> with the adapters of its layer at scale <paramref name="scale"/>.</summary>
    public LoraAttentionModule(IAttentionModule inner, LoraLayerAdapters adapters, double scale)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _adapters = adapters ?? throw new ArgumentNullException(nameof(adapters));
        _scale = scale;
    }

    /// <inheritdoc />
    public AttentionLayerInfo Layer => _inner.Layer;

    /// <inheritdoc />
    public int Heads => _inner.Heads;

    /// <inheritdoc />
    public Tensor ToQuery(Tensor hiddenStates) => Adapt(_inner.ToQuery(hiddenStates), LoraProjection.Query, hiddenStates);

    /// <inheritdoc />
    public Tensor ToKey(Tensor context) => Adapt(_inner.ToKey(context), LoraProjection.Key, context);

    /// <inheritdoc />
    public Tensor ToValue(Tensor context) => Adapt(_inner.ToValue(context), LoraProjection.Value, context);

    /// <inheritdoc />
    public Tensor ToOutput(Tensor attended) => Adapt(_inner.ToOutput(attended), LoraProjection.Output, attended);

    private Tensor Adapt(Tensor baseOutput, LoraProjection projection, Tensor input)
    {
        if (_scale == 0 || !_adapters.TryGet(projection, out var adapter)) return baseOutput;
        using var delta = adapter.forward(input.to_type(adapter.Down.dtype));
        using var scaled = delta.mul(_scale).to_type(baseOutput.dtype);
        using (baseOutput)
            return baseOutput.add(scaled);
    }
}
