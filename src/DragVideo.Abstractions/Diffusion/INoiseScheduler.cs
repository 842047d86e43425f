using static TorchSharp.torch;

namespace DragVideo;

/// <summary>Result of one scheduler step.</summary>
/// <param name="PrevSample">the latent at the previous (less noisy) timestep.</param>
/// <param name="PredOriginalSample">the predicted clean latent x̂₀.</param>
public sealed record SchedulerStepOutput(Tensor PrevSample, Tensor PredOriginalSample);

/// <summary>
/// A diffusion noise scheduler (diffusers' SetTimesteps / Step / AddNoise shape). Implementations are self-contained:
/// pipelines never re-implement the update rule.
/// </summary>
public interface INoiseScheduler
{
    /// <summary>Number of training timesteps (SD1.5: 1000).</summary>
    int TrainTimesteps { get; }

    /// <summary>The inference timesteps, noisiest first, after <see cref="SetTimesteps"/>.</summary>
    IReadOnlyList<long> Timesteps { get; }

    /// <summary>Chooses <paramref name="inferenceSteps"/> inference timesteps.</summary>
    void SetTimesteps(int inferenceSteps);

    /// <summary>
    /// The timestep a reverse step from <paramref name="timestep"/> lands on (DDIM: t − T / inferenceSteps; may be
    /// negative after the last step). Valid after <see cref="SetTimesteps"/>.
    /// </summary>
    long PreviousTimestep(long timestep) => timestep - TrainTimesteps / Math.Max(1, Timesteps.Count);

    /// <summary>ᾱ_t for a training timestep t (cumulative product of 1 − β).</summary>
    double AlphaCumprod(long timestep);

    /// <summary>One reverse step from <paramref name="timestep"/> to the previous inference timestep.</summary>
    /// <param name="modelOutput">predicted noise ε, same shape as <paramref name="sample"/>.</param>
    /// <param name="timestep">current timestep (one of <see cref="Timesteps"/>).</param>
    /// <param name="sample">current latent.</param>
    /// <param name="eta">DDIM η (0 = deterministic).</param>
    /// <param name="varianceNoise">noise for η &gt; 0 (drawn from <paramref name="generator"/> when null).</param>
    /// <param name="generator">random source for η &gt; 0.</param>
    SchedulerStepOutput Step(Tensor modelOutput, long timestep, Tensor sample, double eta = 0, Tensor? varianceNoise = null,
        TorchSharp.torch.Generator? generator = null);

    /// <summary>Forward diffusion: √ᾱ_t·x₀ + √(1−ᾱ_t)·ε, with one timestep per batch item (<paramref name="timesteps"/> int64 <c>[B]</c>).</summary>
    Tensor AddNoise(Tensor originalSamples, Tensor noise, Tensor timesteps);
}
