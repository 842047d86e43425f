using static TorchSharp.torch;

namespace DragVideo.Diffusion.Lora;

/// <summary>One LoRA training step's random choices.</summary>
/// <param name="FrameStart">first frame of the training window.</param>
/// <param name="Timestep">the training timestep t.</param>
/// <param name="Noise">ε, shaped like the window's latents <c>[1, C, window, h, w]</c> (owned by the trainer's step scope).</param>
public sealed record LoraTrainingDraw(int FrameStart, long Timestep, Tensor Noise);

/// <summary>
/// Where <see cref="LoraTrainer"/> gets each step's frame window, timestep and noise. The default,
/// <see cref="SeededLoraTrainingDraws"/>, draws them from a seed; <see cref="FixedLoraTrainingDraws"/> replays given ones
/// (parity with a reference run, or an exactly reproducible experiment).
/// </summary>
public interface ILoraTrainingDraws
{
    /// <summary>The draw of step <paramref name="step"/> (0-based).</summary>
    /// <param name="step">the step.</param>
    /// <param name="frames">frames of the clip.</param>
    /// <param name="window">frames per training window (≤ <paramref name="frames"/>).</param>
    /// <param name="trainTimesteps">the scheduler's number of training timesteps (t is drawn from [0, this)).</param>
    /// <param name="noiseShape">the window latents' shape <c>[1, C, window, h, w]</c>.</param>
    /// <param name="dtype">the latents' dtype.</param>
    /// <param name="device">the latents' device.</param>
    LoraTrainingDraw Draw(int step, int frames, int window, int trainTimesteps, long[] noiseShape, ScalarType dtype, Device device);
}

/// <summary>
/// Seeded draws (the trainer's default): per step a uniform window start, then a uniform timestep from a
/// <see cref="Random"/> seeded with <c>seed</c>, and standard normal noise from a TorchSharp generator with the same seed.
/// Not thread-safe; one instance per training run.
/// </summary>
public sealed class SeededLoraTrainingDraws : ILoraTrainingDraws, IDisposable
{
    private readonly Random _random;
    private readonly Generator _generator;

    /// <summary>Creates the draws from <paramref name="seed"/>.</summary>
    public SeededLoraTrainingDraws(long seed)
    {
        _random = new Random(unchecked((int)seed));
        _generator = new Generator((ulong)seed);
    }

    /// <inheritdoc />
    public LoraTrainingDraw Draw(int step, int frames, int window, int trainTimesteps, long[] noiseShape, ScalarType dtype, Device device)
    {
        int start = _random.Next(0, frames - window + 1);
        long t = _random.Next(0, trainTimesteps);
        var noise = randn(noiseShape, dtype: dtype, generator: _generator).to(device);
        return new LoraTrainingDraw(start, t, noise);
    }

    /// <inheritdoc />
    public void Dispose() => _generator.Dispose();
}

/// <summary>
/// Replays given timesteps and noise, one per step, on windows starting at frame 0 (the whole clip when the window covers
/// it): the seam that lets a trainer reproduce a reference run step by step.
/// </summary>
public sealed class FixedLoraTrainingDraws : ILoraTrainingDraws
{
    private readonly IReadOnlyList<long> _timesteps;
    private readonly Tensor _noise;

    /// <summary>Creates the replay.</summary>
    /// <param name="timesteps">one training timestep per step.</param>
    /// <param name="noise">the noise of every step stacked, <c>[steps, 1, C, window, h, w]</c> (not copied; keep it alive for the run).</param>
    /// <exception cref="ArgumentException">the counts differ.</exception>
    public FixedLoraTrainingDraws(IReadOnlyList<long> timesteps, Tensor noise)
    {
        _timesteps = timesteps ?? throw new ArgumentNullException(nameof(timesteps));
        _noise = noise ?? throw new ArgumentNullException(nameof(noise));
        if (noise.dim() < 2 || noise.shape[0] != timesteps.Count)
            throw new ArgumentException($"noise must be [steps, ...] with {timesteps.Count} steps; got [{string.Join(", ", noise.shape)}].", nameof(noise));
    }

    /// <inheritdoc />
    public LoraTrainingDraw Draw(int step, int frames, int window, int trainTimesteps, long[] noiseShape, ScalarType dtype, Device device)
    {
        if (step < 0 || step >= _timesteps.Count)
            throw new InvalidOperationException($"step {step} has no fixed draw; {_timesteps.Count} were given.");
        long t = _timesteps[step];
        if (t < 0 || t >= trainTimesteps)
            throw new InvalidOperationException($"the fixed timestep {t} is outside [0, {trainTimesteps}).");
        var noise = _noise[step];
        if (!noise.shape.SequenceEqual(noiseShape))
            throw new InvalidOperationException($"the fixed noise of step {step} is [{string.Join(", ", noise.shape)}]; the window latents are [{string.Join(", ", noiseShape)}].");
        return new LoraTrainingDraw(0, t, noise.to(dtype, device));
    }
}
