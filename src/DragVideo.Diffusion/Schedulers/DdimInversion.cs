using static TorchSharp.torch;

namespace DragVideo.Diffusion.Schedulers;

/// <summary>
/// DDIM inversion as DragDiffusion and DragVideo run it (<c>DragPipeline.inv_step</c> / <c>invert</c>): deterministic
/// DDIM run backwards from the clean latent to an intermediate timestep, one network evaluation per step (guidance
/// scale 1, so no doubled classifier-free-guidance batch). Stateless apart from the scheduler it drives.
/// </summary>
public sealed class DdimInversion
{
    /// <summary>Creates an inversion driven by <paramref name="scheduler"/> (its timesteps are (re)set by <see cref="Invert"/>).</summary>
    public DdimInversion(DdimScheduler scheduler)
    {
        Scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
    }

    /// <summary>The scheduler whose ᾱ table and timesteps the inversion uses.</summary>
    public DdimScheduler Scheduler { get; }

    /// <summary>
    /// One inversion step x_{t−Δ} → x_t: with s = min(t − T/n, T − 1) (ᾱ_s = final ᾱ when s &lt; 0),
    /// x̂₀ = (x − √(1−ᾱ_s)·ε)/√ᾱ_s and x_t = √ᾱ_t·x̂₀ + √(1−ᾱ_t)·ε. Coefficients are float32 as in the reference.
    /// </summary>
    /// <param name="modelOutput">ε predicted at the less noisy latent, same shape as <paramref name="sample"/>.</param>
    /// <param name="timestep">the timestep t being reached (one of the scheduler's timesteps).</param>
    /// <param name="sample">the current, less noisy latent.</param>
    /// <returns>the latent at <paramref name="timestep"/> and x̂₀; new tensors owned by the caller.</returns>
    /// <exception cref="InvalidOperationException">the scheduler's timesteps are not set.</exception>
    public (Tensor Next, Tensor PredOriginal) Step(Tensor modelOutput, long timestep, Tensor sample)
    {
        ArgumentNullException.ThrowIfNull(modelOutput);
        ArgumentNullException.ThrowIfNull(sample);
        if (Scheduler.InferenceSteps == 0) throw new InvalidOperationException("Call Scheduler.SetTimesteps before inverting.");
        if (!modelOutput.shape.SequenceEqual(sample.shape))
            throw new ArgumentException("modelOutput and sample must have the same shape.", nameof(modelOutput));
        int trainSteps = Scheduler.TrainTimesteps;
        long current = Math.Min(timestep - trainSteps / Scheduler.InferenceSteps, trainSteps - 1);
        float alphaCurrent = Scheduler.AlphaCumprodOrFinal(current);
        float alphaNext = (float)Scheduler.AlphaCumprod(timestep);
        float betaCurrent = 1f - alphaCurrent;
        using var scope = NewDisposeScope();
        var predX0 = (sample - modelOutput * MathF.Sqrt(betaCurrent)) / MathF.Sqrt(alphaCurrent);
        var direction = modelOutput * MathF.Sqrt(1f - alphaNext);
        var next = predX0 * MathF.Sqrt(alphaNext) + direction;
        return (next.MoveToOuterDisposeScope(), predX0.MoveToOuterDisposeScope());
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
        if (latents.dim() != 5)
            throw new ArgumentException($"Latents must be [B, C, F, h, w]; got [{string.Join(",", latents.shape)}].", nameof(latents));
        if (latents.shape[1] != backbone.LatentChannels)
            throw new ArgumentException($"Latents have {latents.shape[1]} channels; the backbone expects {backbone.LatentChannels}.", nameof(latents));
        int actual = options.ResolveActualSteps();
        Scheduler.SetTimesteps(options.InferenceSteps);
        if (options.TargetTimestep is { } target)
        {
            int index = Scheduler.Timesteps.Reverse().ToList().IndexOf(target);
            if (index < 0)
                throw new ArgumentException($"Target timestep {target} is not in the {options.InferenceSteps}-step schedule ({Scheduler.Timesteps[^1]} … {Scheduler.Timesteps[0]}).", nameof(options));
            actual = index + 1;
        }
        var ascending = Scheduler.Timesteps.Reverse().Take(actual).ToArray();

        var intermediates = new List<Tensor>();
        var predicted = new List<Tensor>();
        Tensor current;
        using (var detached = latents.detach()) current = detached.clone();
        if (options.KeepIntermediates) intermediates.Add(current.clone());
        try
        {
            using var noGrad = no_grad();
            for (int i = 0; i < ascending.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long t = ascending[i];
                Tensor next, predX0;
                using (var scope = NewDisposeScope())
                {
                    var timestep = tensor(t, ScalarType.Int64, latents.device);
                    var eps = backbone.PredictNoise(current, timestep, textEmbedding, denoisingStep: i);
                    (next, predX0) = Step(eps, t, current);
                    next.MoveToOuterDisposeScope();
                    predX0.MoveToOuterDisposeScope();
                }
                current.Dispose();
                current = next;
                if (options.KeepIntermediates)
                {
                    intermediates.Add(next.clone());
                    predicted.Add(predX0);
                }
                else predX0.Dispose();
                progress?.Report(new EditProgress(EditStage.Inversion, i + 1, ascending.Length, $"DDIM inversion to t={t}"));
            }
        }
        catch
        {
            current.Dispose();
            foreach (var x in intermediates) x.Dispose();
            foreach (var x in predicted) x.Dispose();
            throw;
        }
        return new DdimInversionResult(current, ascending[^1], actual, options.InferenceSteps, intermediates, predicted);
    }
}
