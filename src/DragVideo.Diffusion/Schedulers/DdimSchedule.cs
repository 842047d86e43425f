using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Schedulers;

/// <summary>
/// One DDIM schedule as an immutable value: a <see cref="DdimScheduler"/>'s ᾱ table with a fixed set of inference
/// timesteps (from <see cref="DdimScheduler.CreateSchedule"/>). Stages of a pipeline can share it without depending on who
/// last called <see cref="DdimScheduler.SetTimesteps"/>. It is an <see cref="INoiseScheduler"/> whose
/// <see cref="INoiseScheduler.SetTimesteps"/> refuses to change it; its steps are the scheduler's pure steps.
/// </summary>
public sealed class DdimSchedule : INoiseScheduler
{
    private readonly long[] _timesteps;

    internal DdimSchedule(DdimScheduler scheduler, long[] timesteps)
    {
        Scheduler = scheduler;
        _timesteps = timesteps;
    }

    /// <summary>The scheduler whose ᾱ table and update rules this schedule uses.</summary>
    public DdimScheduler Scheduler { get; }

    /// <summary>Number of inference steps n.</summary>
    public int InferenceSteps => _timesteps.Length;

    /// <inheritdoc />
    public int TrainTimesteps => Scheduler.TrainTimesteps;

    /// <summary>The inference timesteps, noisiest first (SD1.5, 50 steps: 981, 961, …, 1).</summary>
    public IReadOnlyList<long> Timesteps => _timesteps;

    /// <summary>
    /// Index into <see cref="Timesteps"/> where denoising resumes after inverting <paramref name="invertedSteps"/> steps:
    /// <c>n − invertedSteps</c> (SD1.5, 50 steps, 38 inverted: 12, timestep 741).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="invertedSteps"/> is not in [1, n].</exception>
    public int StartIndex(int invertedSteps)
    {
        if (invertedSteps < 1 || invertedSteps > InferenceSteps)
            throw new ArgumentOutOfRangeException(nameof(invertedSteps), invertedSteps, $"Must be in [1, {InferenceSteps}].");
        return InferenceSteps - invertedSteps;
    }

    /// <summary>The first <paramref name="invertedSteps"/> timesteps in inversion order (least noisy first: 1, 21, …).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="invertedSteps"/> is not in [1, n].</exception>
    public IReadOnlyList<long> InversionTimesteps(int invertedSteps) =>
        Enumerable.Reverse(_timesteps[StartIndex(invertedSteps)..]).ToArray();

    /// <summary>ᾱ_t of the scheduler's table.</summary>
    public double AlphaCumprod(long timestep) => Scheduler.AlphaCumprod(timestep);

    /// <summary>The timestep a reverse step from <paramref name="timestep"/> lands on: t − T/n.</summary>
    public long PreviousTimestep(long timestep) => timestep - TrainTimesteps / InferenceSteps;

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">always: a schedule is immutable; create another with
    /// <see cref="DdimScheduler.CreateSchedule"/>.</exception>
    void INoiseScheduler.SetTimesteps(int inferenceSteps) =>
        throw new NotSupportedException($"A DdimSchedule is immutable ({InferenceSteps} steps); create another with DdimScheduler.CreateSchedule({inferenceSteps}).");

    /// <summary>One DDIM step x_t → x_{t−Δ} of this schedule (see <see cref="DdimScheduler.Step(Tensor, long, Tensor, double, Tensor?, Generator?, bool)"/>).</summary>
    public SchedulerStepOutput Step(Tensor modelOutput, long timestep, Tensor sample, double eta = 0, Tensor? varianceNoise = null,
        Generator? generator = null) =>
        Scheduler.Step(modelOutput, timestep, sample, eta, varianceNoise, generator, useClippedModelOutput: false, InferenceSteps);

    /// <summary>One DDIM inverse step x_{t−Δ} → x_t of this schedule (see <see cref="DdimScheduler.InverseStep"/>).</summary>
    public (Tensor Next, Tensor PredOriginal) InverseStep(Tensor modelOutput, long timestep, Tensor sample) =>
        Scheduler.InverseStep(modelOutput, timestep, sample, InferenceSteps);

    /// <inheritdoc />
    public Tensor AddNoise(Tensor originalSamples, Tensor noise, Tensor timesteps) => Scheduler.AddNoise(originalSamples, noise, timesteps);
}
