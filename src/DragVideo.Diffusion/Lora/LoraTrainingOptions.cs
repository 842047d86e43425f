namespace DragVideo.Diffusion.Lora;

/// <summary>
/// Settings of the sample-specific LoRA training (DragVideo §3.2, Eq. 1). Defaults are the paper's (Fig. 12 and
/// released code): rank 16 on to_q/to_k/to_v/to_out of every attention module, AdamW with lr 5e-4 and weight decay
/// 1e-2 at a constant rate, 100 steps, 12 frames per batch.
/// </summary>
public sealed record LoraTrainingOptions
{
    /// <summary>Adapter placement and size (rank 16 everywhere by default).</summary>
    public LoraConfig Adapters { get; init; } = new();

    /// <summary>Optimisation steps (paper: 100).</summary>
    public int Steps { get; init; } = 100;

    /// <summary>AdamW learning rate (paper: 5e-4), constant.</summary>
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>AdamW weight decay (released code: 1e-2).</summary>
    public double WeightDecay { get; init; } = 1e-2;

    /// <summary>AdamW β₁ (PyTorch default 0.9).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW β₂ (PyTorch default 0.999).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>AdamW ε (PyTorch default 1e-8).</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>
    /// Frames per training batch (paper: 12). Each step trains on a random contiguous window of this many frames (the
    /// whole clip when it is shorter), so the motion modules see real motion.
    /// </summary>
    public int BatchFrames { get; init; } = 12;

    /// <summary>Seed of the timestep, noise and window sampling.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Adapters, nameof(Adapters));
        Adapters.Validate();
        if (Steps < 0) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "LoRA steps must be 0 or more.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "the LoRA learning rate must be a finite number greater than 0.");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "weight decay must be a finite number ≥ 0.");
        if (!(Beta1 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "β₁ must be in [0, 1).");
        if (!(Beta2 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "β₂ must be in [0, 1).");
        if (!(Epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "ε must be greater than 0.");
        if (BatchFrames < 1) throw new ArgumentOutOfRangeException(nameof(BatchFrames), BatchFrames, "the LoRA batch needs at least one frame.");
    }
}
