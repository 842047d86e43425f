using static TorchSharp.torch;

namespace DragVideo.Diffusion.Schedulers;

/// <summary>
/// DDIM inversion as DragDiffusion and DragVideo run it (<c>DragPipeline.invert</c>): deterministic DDIM run backwards
/// from the clean latent to an intermediate timestep, one network evaluation per step (guidance scale 1, so no doubled
/// classifier-free-guidance batch). This is the loop only (pipeline side, like diffusers' pipelines around
/// <c>DDIMInverseScheduler</c>): each step is the scheduler's pure <see cref="DdimScheduler.InverseStep"/> on an immutable
/// <see cref="DdimSchedule"/>, and the scheduler is never changed.
/// </summary>
public sealed class DdimInversion
{
    /// <summary>Creates an inversion driven by <paramref name="scheduler"/> (which it never changes).</summary>
    public DdimInversion(DdimScheduler scheduler)
    {
        Scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
    }

    /// <summary>The scheduler whose ᾱ table and timestep spacing the inversion uses.</summary>
    public DdimScheduler Scheduler { get; }

    /// <summary>
    /// One inversion step on the scheduler's current schedule: <see cref="DdimScheduler.InverseStep"/> with
    /// <see cref="DdimScheduler.InferenceSteps"/>.
    /// </summary>
    /// <param name="modelOutput">ε predicted at the less noisy latent, same shape as <paramref name="sample"/>.</param>
    /// <param name="timestep">the timestep t being reached (one of the scheduler's timesteps).</param>
    /// <param name="sample">the current, less noisy latent.</param>
    /// <returns>the latent at <paramref name="timestep"/> and x̂₀; new tensors owned by the caller.</returns>
    /// <exception cref="InvalidOperationException">the scheduler's timesteps are not set.</exception>
    public (Tensor Next, Tensor PredOriginal) Step(Tensor modelOutput, long timestep, Tensor sample)
    {
        if (Scheduler.InferenceSteps == 0) throw new InvalidOperationException("Call Scheduler.SetTimesteps before inverting.");
        return Scheduler.InverseStep(modelOutput, timestep, sample, Scheduler.InferenceSteps);
    }

    /// <summary>
    /// Inverts <paramref name="latents"/> (clean VAE latents × scaling factor, <c>[B, C, F, h, w]</c>) through the first
    /// <see cref="DdimInversionOptions.ResolveActualSteps"/> steps of the reversed schedule, calling
    /// <paramref name="backbone"/> once per step without gradients. The input is not modified.
    /// </summary>
    /// <param name="backbone">the video noise predictor.</param>
    /// <param name="latents">clean latents <c>[B, C, F, h, w]</c>.</param>
    /// <param name="textEmbedding">text embedding <c>[B, 77, D]</c> (the prompt's, unguided).</param>
    /// <param name="options">step count and strength; null = the paper's 50 steps / 0.75.</param>
    /// <param name="progress">receives <see cref="EditStage.Inversion"/> reports after each step.</param>
    /// <param name="cancellationToken">checked before every step.</param>
    /// <exception cref="ArgumentException">the latent is not 5-D or its channels differ from the backbone's.</exception>
    /// <exception cref="OperationCanceledException">cancelled.</exception>
    public DdimInversionResult Invert(IVideoDiffusionBackbone backbone, Tensor latents, Tensor textEmbedding,
        DdimInversionOptions? options = null, IProgress<EditProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(textEmbedding);
        options ??= new DdimInversionOptions();
        CheckLatents(backbone, latents);
        var schedule = Scheduler.CreateSchedule(options.InferenceSteps);
        return Invert(backbone, latents, textEmbedding, schedule, options.ActualStepsOn(schedule), options.KeepIntermediates, progress,
            cancellationToken);
    }

    /// <summary>
    /// The inversion loop: inverts <paramref name="latents"/> through the first <paramref name="actualSteps"/> timesteps of
    /// <paramref name="schedule"/> in inversion order, one <paramref name="backbone"/> call and one pure
    /// <see cref="DdimSchedule.InverseStep"/> per step, without gradients. Neither the input nor the scheduler is modified.
    /// </summary>
    /// <param name="backbone">the video noise predictor.</param>
    /// <param name="latents">clean latents <c>[B, C, F, h, w]</c>.</param>
    /// <param name="textEmbedding">text embedding <c>[B, 77, D]</c> (the prompt's, unguided).</param>
    /// <param name="schedule">the immutable schedule to invert along.</param>
    /// <param name="actualSteps">number of inversion steps, in [1, <see cref="DdimSchedule.InferenceSteps"/>].</param>
    /// <param name="keepIntermediates">keep the latent and x̂₀ after every step in the result.</param>
    /// <param name="progress">receives <see cref="EditStage.Inversion"/> reports after each step.</param>
    /// <param name="cancellationToken">checked before every step.</param>
    /// <exception cref="ArgumentException">the latent is not 5-D or its channels differ from the backbone's.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="actualSteps"/> is out of range.</exception>
    /// <exception cref="OperationCanceledException">cancelled.</exception>
    public DdimInversionResult Invert(IVideoDiffusionBackbone backbone, Tensor latents, Tensor textEmbedding, DdimSchedule schedule,
        int actualSteps, bool keepIntermediates = false, IProgress<EditProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(textEmbedding);
        ArgumentNullException.ThrowIfNull(schedule);
        CheckLatents(backbone, latents);
        int actual = actualSteps;
        var ascending = schedule.InversionTimesteps(actual);

        var intermediates = new List<Tensor>();
        var predicted = new List<Tensor>();
        Tensor current;
        using (var detached = latents.detach()) current = detached.clone();
        if (keepIntermediates) intermediates.Add(current.clone());
        try
        {
            using var noGrad = no_grad();
            for (int i = 0; i < ascending.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long t = ascending[i];
                Tensor next, predX0;
                using (var scope = NewDisposeScope())
                {
                    var timestep = tensor(t, ScalarType.Int64, latents.device);
                    var eps = backbone.PredictNoise(current, timestep, textEmbedding, denoisingStep: i);
                    (next, predX0) = schedule.InverseStep(eps, t, current);
                    next.MoveToOuterDisposeScope();
                    predX0.MoveToOuterDisposeScope();
                }
                current.Dispose();
                current = next;
                if (keepIntermediates)
                {
                    intermediates.Add(next.clone());
                    predicted.Add(predX0);
                }
                else predX0.Dispose();
                progress?.Report(new EditProgress(EditStage.Inversion, i + 1, ascending.Count, $"DDIM inversion to t={t}"));
            }
        }
        catch
        {
            current.Dispose();
            foreach (var x in intermediates) x.Dispose();
            foreach (var x in predicted) x.Dispose();
            throw;
        }
        return new DdimInversionResult(current, ascending[^1], actual, schedule.InferenceSteps, intermediates, predicted);
    }

    private static void CheckLatents(IVideoDiffusionBackbone backbone, Tensor latents)
    {
        if (latents.dim() != 5)
            throw new ArgumentException($"Latents must be [B, C, F, h, w]; got [{string.Join(",", latents.shape)}].", nameof(latents));
        if (latents.shape[1] != backbone.LatentChannels)
            throw new ArgumentException($"Latents have {latents.shape[1]} channels; the backbone expects {backbone.LatentChannels}.", nameof(latents));
    }
}
