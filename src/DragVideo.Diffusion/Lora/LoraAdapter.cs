using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Lora;

/// <summary>
/// A rank-r low-rank update ΔW = B·A of one linear projection (PEFT naming: <c>lora_A</c> <c>[r, in]</c>,
/// <c>lora_B</c> <c>[out, r]</c>, no biases). <c>lora_B</c> starts at zero, so a fresh adapter changes nothing
/// (LoRA paper §4.1; PEFT's default init).
/// </summary>
public sealed class LoraAdapter : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the PEFT state-dict keys
    private readonly Linear lora_A;
    private readonly Linear lora_B;
#pragma warning restore IDE1006

    /// <summary>Creates an adapter for a projection <c>in → out</c>.</summary>
    /// <param name="inFeatures">input width of the wrapped projection.</param>
    /// <param name="outFeatures">output width of the wrapped projection.</param>
    /// <param name="rank">rank r (≥ 1).</param>
    /// <param name="generator">random source for <c>lora_A</c> (Kaiming-uniform with a = √5, as PEFT).</param>
    /// <param name="dtype">parameter dtype (float32 by default).</param>
    /// <param name="device">parameter device (CPU by default).</param>
    /// <param name="initialization">how <c>lora_A</c> starts (default Kaiming-uniform).</param>
    public LoraAdapter(long inFeatures, long outFeatures, int rank, Generator? generator = null, ScalarType dtype = ScalarType.Float32,
        Device? device = null, LoraInitialization initialization = LoraInitialization.KaimingUniform) : base(nameof(LoraAdapter))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Rank = rank;
        lora_A = nn.Linear(inFeatures, rank, hasBias: false, device: device, dtype: dtype);
        lora_B = nn.Linear(rank, outFeatures, hasBias: false, device: device, dtype: dtype);
        using (no_grad())
        {
            if (initialization == LoraInitialization.Gaussian)
            {
                using var n = randn(new long[] { rank, inFeatures }, dtype: ScalarType.Float32, generator: generator);
                using var scaledNormal = n.mul(1.0 / rank).to(dtype, lora_A.weight!.device);
                lora_A.weight!.copy_(scaledNormal);
            }
            else
            {
                // Kaiming-uniform with a = √5 gives the bound 1/√fan_in; drawn from our generator for reproducibility.
                double bound = 1.0 / Math.Sqrt(inFeatures);
                using var u = rand(new long[] { rank, inFeatures }, dtype: ScalarType.Float32, generator: generator);
                using var scaled = u.mul(2 * bound).sub_(bound).to(dtype, lora_A.weight!.device);
                lora_A.weight!.copy_(scaled);
            }
            lora_B.weight!.zero_();
        }
        RegisterComponents();
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures { get; }

    /// <summary>Rank r.</summary>
    public int Rank { get; }

    /// <summary>The down projection A, <c>[r, in]</c>.</summary>
    public Parameter Down => lora_A.weight!;

    /// <summary>The up projection B, <c>[out, r]</c>.</summary>
    public Parameter Up => lora_B.weight!;

    /// <summary>Returns B·A·x (without the scale): <c>[..., in] → [..., out]</c>.</summary>
    public override Tensor forward(Tensor input)
    {
        using var down = lora_A.forward(input);
        return lora_B.forward(down);
    }
}
