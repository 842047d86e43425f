using static TorchSharp.torch;

namespace DragVideo.Editing.Sampling;

/// <summary>
/// Mutual Self-Attention (DragVideo §3.5, Eq. 6; MasaCtrl): for a batch <c>[original; edited]</c>, the edited stream
/// attends with its own queries to the original stream's keys and values. Wraps the layer's previous processor, which
/// does the attention arithmetic on a <see cref="SourceKeyValueAttentionModule"/> view, so LoRA (outside) and custom
/// kernels (inside) compose. Before <see cref="StartStep"/> or outside a denoising loop it is a pass-through.
/// </summary>
public sealed class MutualSelfAttentionProcessor : IAttentionProcessor
{
    /// <summary>Creates the processor.</summary>
    /// <param name="inner">the processor that computes attention (e.g. scaled-dot-product).</param>
    /// <param name="startStep">first denoising step with MSA on.</param>
    public MutualSelfAttentionProcessor(IAttentionProcessor inner, int startStep = 0)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        ArgumentOutOfRangeException.ThrowIfNegative(startStep);
        StartStep = startStep;
    }

    /// <summary>The wrapped processor.</summary>
    public IAttentionProcessor Inner { get; }

    /// <summary>First denoising step with MSA on.</summary>
    public int StartStep { get; }

    /// <inheritdoc />
    public Tensor Process(IAttentionModule attention, Tensor hiddenStates, Tensor? encoderHiddenStates, AttentionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        bool active = encoderHiddenStates is null && context.DenoisingStep is { } step && step >= StartStep;
        return active
            ? Inner.Process(new SourceKeyValueAttentionModule(attention), hiddenStates, null, context)
            : Inner.Process(attention, hiddenStates, encoderHiddenStates, context);
    }
}
