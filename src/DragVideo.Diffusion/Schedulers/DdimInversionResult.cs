using static TorchSharp.torch;

namespace DragVideo.Diffusion.Schedulers;

/// <summary>The outcome of a <see cref="DdimInversion"/> run. Owns its tensors; dispose it when done.</summary>
public sealed class DdimInversionResult : IDisposable
{
    internal DdimInversionResult(Tensor latents, long timestep, int actualSteps, int inferenceSteps,
        IReadOnlyList<Tensor> intermediates, IReadOnlyList<Tensor> predictedOriginals)
    {
        Latents = latents;
        Timestep = timestep;
        ActualSteps = actualSteps;
        InferenceSteps = inferenceSteps;
        Intermediates = intermediates;
        PredictedOriginals = predictedOriginals;
    }

    /// <summary>The inverted latent z_t, same shape and dtype as the input (e.g. <c>[B, 4, F, h, w]</c>).</summary>
    public Tensor Latents { get; }

    /// <summary>The timestep t the inverted latent belongs to (SD1.5, 50 steps, strength 0.75: 741).</summary>
    public long Timestep { get; }

    /// <summary>Number of inversion steps run.</summary>
    public int ActualSteps { get; }

    /// <summary>Number of DDIM steps of the full schedule.</summary>
    public int InferenceSteps { get; }

    /// <summary>
    /// Index into the scheduler's <see cref="DdimScheduler.Timesteps"/> at which denoising resumes from
    /// <see cref="Latents"/> (<c>InferenceSteps − ActualSteps</c>; <c>Timesteps[StartIndex] == Timestep</c>).
    /// </summary>
    public int StartIndex => InferenceSteps - ActualSteps;

    /// <summary>When kept: the input latent followed by the latent after each step (ActualSteps + 1 tensors), else empty.</summary>
    public IReadOnlyList<Tensor> Intermediates { get; }

    /// <summary>When kept: x̂₀ predicted at each step (ActualSteps tensors), else empty.</summary>
    public IReadOnlyList<Tensor> PredictedOriginals { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Latents.Dispose();
        foreach (var t in Intermediates) t.Dispose();
        foreach (var t in PredictedOriginals) t.Dispose();
    }
}
