using static TorchSharp.torch;

namespace DragVideo.Editing.Sampling;

/// <summary>
/// Mutual Self-Attention (DragVideo §3.5, Eq. 6; MasaCtrl): for a batch <c>[original; edited]</c>, the edited stream
/// attends with its own queries to the original stream's keys and values. Wraps the layer's previous processor, which
/// does the attention arithmetic on a <see cref="SourceKeyValueAttentionModule"/> view, so LoRA (outside) and custom
/// kernels (inside) compose. Before <see cref="StartStep"/> or outside a denoising loop it is a pass-through. The number
/// of stacked stream pairs (1, or 2 with classifier-free guidance) is read from the batch: rows / (2 · frames).
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
            ? Inner.Process(new SourceKeyValueAttentionModule(attention, Pairs(hiddenStates.shape[0], context.Frames)), hiddenStates, null, context)
            : Inner.Process(attention, hiddenStates, encoderHiddenStates, context);
    }

    private static int Pairs(long rows, int frames)
    {
        long streams = rows / Math.Max(1, frames);
        if (streams < 2 || streams % 2 != 0 || streams * Math.Max(1, frames) != rows)
            throw new InvalidOperationException($"Mutual Self-Attention needs [source; edited] stream pairs; got {rows} rows for {frames} frame(s).");
        return (int)(streams / 2);
    }
}
