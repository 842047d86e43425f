using static TorchSharp.torch;

namespace DragVideo.Diffusion.Lora;

/// <summary>
/// An <see cref="IAttentionProcessor"/> decorator that runs an inner processor on a LoRA-adapted view of the attention
/// module (<see cref="LoraAttentionModule"/>). Because LoRA lives in the module view, any inner processor (plain
/// scaled-dot-product attention, Mutual Self-Attention, a user's own) sees adapted projections.
/// </summary>
public sealed class LoraAttentionProcessor : IAttentionProcessor
{
    private readonly LoraNetwork _network;

    /// <summary>Creates the decorator.</summary>
    /// <param name="inner">the processor that computes attention.</param>
    /// <param name="adapters">this layer's adapters.</param>
    /// <param name="network">the owning network (supplies the current scale).</param>
    public LoraAttentionProcessor(IAttentionProcessor inner, LoraLayerAdapters adapters, LoraNetwork network)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        Adapters = adapters ?? throw new ArgumentNullException(nameof(adapters));
        _network = network ?? throw new ArgumentNullException(nameof(network));
    }

    /// <summary>The wrapped processor.</summary>
    public IAttentionProcessor Inner { get; }

    /// <summary>This layer's adapters.</summary>
    public LoraLayerAdapters Adapters { get; }

    /// <summary>A copy of this decorator around a different inner processor (same adapters and network).</summary>
    public LoraAttentionProcessor WithInner(IAttentionProcessor inner) => new(inner, Adapters, _network);

    /// <inheritdoc />
    public Tensor Process(IAttentionModule attention, Tensor hiddenStates, Tensor? encoderHiddenStates, AttentionContext context)
    {
        double scale = _network.EffectiveScale;
        if (scale == 0) return Inner.Process(attention, hiddenStates, encoderHiddenStates, context);
        return Inner.Process(new LoraAttentionModule(attention, Adapters, scale), hiddenStates, encoderHiddenStates, context);
    }
}
