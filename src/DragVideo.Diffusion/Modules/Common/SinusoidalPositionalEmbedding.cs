using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>
/// diffusers <c>SinusoidalPositionalEmbedding</c> (AnimateDiff's frame position encoding): adds the persistent buffer
/// <c>pe</c> <c>[1, max_seq_length, dim]</c> (sin on even, cos on odd channels, computed in float32) to a sequence
/// <c>[N, L, dim]</c>, L ≤ max_seq_length.
/// </summary>
internal sealed class SinusoidalPositionalEmbedding : nn.Module<Tensor, Tensor>
{
    private Tensor pe;

    /// <summary>Creates the table.</summary>
    public SinusoidalPositionalEmbedding(int embedDim, int maxSeqLength = 32) : base(nameof(SinusoidalPositionalEmbedding))
    {
        MaxSequenceLength = maxSeqLength;
        using (var scope = NewDisposeScope())
        {
            var position = torch.arange(maxSeqLength, dtype: ScalarType.Int64).unsqueeze(1);
            var divTerm = (torch.arange(0, embedDim, 2, dtype: ScalarType.Int64) * (-Math.Log(10000.0) / embedDim)).exp();
            var angles = position * divTerm;
            var table = torch.zeros(1, maxSeqLength, embedDim, dtype: ScalarType.Float32);
            table[0, .., TensorIndex.Slice(0, null, 2)] = angles.sin();
            table[0, .., TensorIndex.Slice(1, null, 2)] = angles.cos();
            pe = table.MoveToOuterDisposeScope();
        }
        RegisterComponents();
    }

    /// <summary>Longest sequence (number of frames) the table covers.</summary>
    public int MaxSequenceLength { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        long len = x.shape[1];
        if (len > MaxSequenceLength)
            throw new ArgumentException($"Sequence length {len} exceeds the positional table's max_seq_length {MaxSequenceLength}.", nameof(x));
        return x + pe[.., ..(int)len];
    }
}
