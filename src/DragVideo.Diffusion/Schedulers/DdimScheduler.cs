using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Schedulers;

/// <summary>
/// DDIM (Song et al., 2021) as diffusers' <c>DDIMScheduler</c> v0.25.1 computes it: the β/ᾱ tables are built in float32
/// with the same libtorch operations, and every per-step coefficient is a float32 value, so results match the reference
/// to float32 rounding. Immutable apart from <see cref="SetTimesteps"/>; not thread-safe while that runs. Pipelines take an
/// immutable <see cref="DdimSchedule"/> from <see cref="CreateSchedule"/> instead, and invert with the pure <see cref="InverseStep"/>.
/// </summary>
public sealed class DdimScheduler : INoiseScheduler
{
    private readonly float[] _betas;
    private readonly float[] _alphasCumprod;
    private long[] _timesteps = Array.Empty<long>();

    /// <summary>Builds the scheduler and its β / ᾱ tables from <paramref name="config"/>.</summary>
    /// <exception cref="ModelLoadException">the config has an invalid value.</exception>
    public DdimScheduler(DdimSchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        TorchRuntime.EnsureLoaded();
        (_betas, _alphasCumprod) = BuildTables(config);
        FinalAlphaCumprod = config.SetAlphaToOne ? 1f : _alphasCumprod[0];
    }

    /// <summary>A scheduler with Stable Diffusion 1.5's configuration.</summary>
    public static DdimScheduler StableDiffusion15() => new(DdimSchedulerConfig.StableDiffusion15);

    /// <summary>Loads <c>scheduler_config.json</c> from a file or a folder containing it.</summary>
    /// <exception cref="ModelLoadException">missing or invalid file.</exception>
    public static DdimScheduler FromPretrained(string fileOrFolder)
    {
        ArgumentNullException.ThrowIfNull(fileOrFolder);
        string path = Directory.Exists(fileOrFolder) ? Path.Combine(fileOrFolder, "scheduler_config.json") : fileOrFolder;
        return new DdimScheduler(DdimSchedulerConfig.FromJsonFile(path));
    }

    /// <summary>The configuration.</summary>
    public DdimSchedulerConfig Config { get; }

    /// <inheritdoc />
    public int TrainTimesteps => Config.NumTrainTimesteps;

    /// <summary>β_t for every training timestep (float32 values, length T).</summary>
    public IReadOnlyList<float> Betas => _betas;

    /// <summary>ᾱ_t = ∏(1 − β) for every training timestep (float32 values, length T).</summary>
    public IReadOnlyList<float> AlphasCumprod => _alphasCumprod;

    /// <summary>ᾱ used "before" the first training step: 1 when <c>set_alpha_to_one</c>, else ᾱ₀.</summary>
    public float FinalAlphaCumprod { get; }

    /// <summary>Number of inference steps chosen by <see cref="SetTimesteps"/> (0 before it is called).</summary>
    public int InferenceSteps { get; private set; }

    /// <inheritdoc />
    public IReadOnlyList<long> Timesteps => _timesteps;

    /// <summary>Initial noise standard deviation (1 for DDIM).</summary>
    public double InitNoiseSigma => 1.0;

    /// <inheritdoc />
    /// <remarks>
    /// Mutates this shared instance; pipelines should prefer <see cref="CreateSchedule"/>, an immutable value that several
    /// stages can hold without depending on each other's calls.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inferenceSteps"/> is not in [1, T].</exception>
    public void SetTimesteps(int inferenceSteps)
    {
        _timesteps = ComputeTimesteps(inferenceSteps);
        InferenceSteps = inferenceSteps;
    }

    /// <summary>
    /// The <paramref name="inferenceSteps"/>-step schedule as an immutable value (the timesteps <see cref="SetTimesteps"/>
    /// would choose), without changing this scheduler. Stepping it uses this scheduler's ᾱ table.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inferenceSteps"/> is not in [1, T].</exception>
    public DdimSchedule CreateSchedule(int inferenceSteps) => new(this, ComputeTimesteps(inferenceSteps));

    private long[] ComputeTimesteps(int inferenceSteps)
    {
        int t = Config.NumTrainTimesteps;
        if (inferenceSteps < 1 || inferenceSteps > t)
            throw new ArgumentOutOfRangeException(nameof(inferenceSteps), inferenceSteps, $"Inference steps must be in [1, {t}].");
        var ts = new long[inferenceSteps];
        switch (Config.TimestepSpacing)
        {
            case TimestepSpacing.Leading:
            {
                int ratio = t / inferenceSteps;
                for (int i = 0; i < inferenceSteps; i++) ts[i] = (long)(inferenceSteps - 1 - i) * ratio + Config.StepsOffset;
                break;
            }
            case TimestepSpacing.Trailing:
            {
                // numpy: round(arange(T, 0, -T/steps)) - 1, with the float arange accumulated as start + k·step.
                double ratio = (double)t / inferenceSteps;
                for (int i = 0; i < inferenceSteps; i++) ts[i] = (long)Math.Round(t + i * -ratio, MidpointRounding.ToEven) - 1;
                break;
            }
            case TimestepSpacing.Linspace:
            {
                // numpy linspace(0, T-1, steps) then round half to even, reversed.
                double end = t - 1;
                for (int i = 0; i < inferenceSteps; i++)
                {
                    double v = inferenceSteps == 1 ? 0 : i == inferenceSteps - 1 ? end : i * (end / (inferenceSteps - 1));
                    ts[inferenceSteps - 1 - i] = (long)Math.Round(v, MidpointRounding.ToEven);
                }
                break;
            }
        }
        foreach (long v in ts)
            if (v < 0 || v >= t)
                throw new ArgumentOutOfRangeException(nameof(inferenceSteps), inferenceSteps,
                    $"Spacing {Config.TimestepSpacing} with steps_offset {Config.StepsOffset} gives timestep {v}, outside [0, {t}).");
        return ts;
    }

    /// <inheritdoc />
    public long PreviousTimestep(long timestep)
    {
        EnsureTimestepsSet();
        return timestep - Config.NumTrainTimesteps / InferenceSteps;
    }

    /// <summary>
    /// The pure DDIM inverse step x_{t−Δ} → x_t of a schedule with <paramref name="inferenceSteps"/> steps (diffusers'
    /// <c>DDIMInverseScheduler.step</c>, as DragDiffusion's <c>inv_step</c>): with s = min(t − T/n, T − 1) (ᾱ_s = final ᾱ
    /// when s &lt; 0), x̂₀ = (x − √(1−ᾱ_s)·ε)/√ᾱ_s and x_t = √ᾱ_t·x̂₀ + √(1−ᾱ_t)·ε, coefficients float32 as in the
    /// reference. Reads nothing but its arguments and the ᾱ table; loops over it live in pipelines.
    /// </summary>
    /// <param name="modelOutput">ε predicted at the less noisy latent, same shape as <paramref name="sample"/>.</param>
    /// <param name="timestep">the timestep t being reached.</param>
    /// <param name="sample">the current, less noisy latent.</param>
    /// <param name="inferenceSteps">n, the step count of the schedule <paramref name="timestep"/> belongs to.</param>
    /// <returns>the latent at <paramref name="timestep"/> and x̂₀; new tensors owned by the caller.</returns>
    /// <exception cref="ArgumentException">the shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inferenceSteps"/> is not in [1, T], or t ≥ T.</exception>
    public (Tensor Next, Tensor PredOriginal) InverseStep(Tensor modelOutput, long timestep, Tensor sample, int inferenceSteps)
    {
        ArgumentNullException.ThrowIfNull(modelOutput);
        ArgumentNullException.ThrowIfNull(sample);
        int trainSteps = Config.NumTrainTimesteps;
        if (inferenceSteps < 1 || inferenceSteps > trainSteps)
            throw new ArgumentOutOfRangeException(nameof(inferenceSteps), inferenceSteps, $"Inference steps must be in [1, {trainSteps}].");
        if (!modelOutput.shape.SequenceEqual(sample.shape))
            throw new ArgumentException("modelOutput and sample must have the same shape.", nameof(modelOutput));
        long current = Math.Min(timestep - trainSteps / inferenceSteps, trainSteps - 1);
        float alphaCurrent = AlphaCumprodOrFinal(current);
        float alphaNext = AlphaCumprodF(timestep);
        float betaCurrent = 1f - alphaCurrent;
        using var scope = NewDisposeScope();
        var predX0 = (sample - modelOutput * MathF.Sqrt(betaCurrent)) / MathF.Sqrt(alphaCurrent);
        var direction = modelOutput * MathF.Sqrt(1f - alphaNext);
        var next = predX0 * MathF.Sqrt(alphaNext) + direction;
        return (next.MoveToOuterDisposeScope(), predX0.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public double AlphaCumprod(long timestep) => AlphaCumprodF(timestep);

    /// <summary>ᾱ_t as the float32 value diffusers uses; t &lt; 0 gives <see cref="FinalAlphaCumprod"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">t ≥ T.</exception>
    public float AlphaCumprodOrFinal(long timestep) => timestep >= 0 ? AlphaCumprodF(timestep) : FinalAlphaCumprod;

    private float AlphaCumprodF(long timestep)
    {
        if (timestep < 0 || timestep >= _alphasCumprod.Length)
            throw new ArgumentOutOfRangeException(nameof(timestep), timestep, $"Timestep must be in [0, {_alphasCumprod.Length}).");
        return _alphasCumprod[timestep];
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException"><see cref="SetTimesteps"/> was not called.</exception>
    /// <exception cref="ArgumentException">shapes differ, or <paramref name="varianceNoise"/> has the wrong shape.</exception>
    public SchedulerStepOutput Step(Tensor modelOutput, long timestep, Tensor sample, double eta = 0, Tensor? varianceNoise = null,
        Generator? generator = null) => Step(modelOutput, timestep, sample, eta, varianceNoise, generator, useClippedModelOutput: false);

    /// <summary>
    /// One DDIM step x_t → x_{t−Δ} (Song et al. Eq. 12) with diffusers' options; shapes of all tensors equal
    /// (any layout, e.g. <c>[B, 4, h, w]</c> or <c>[B, 4, F, h, w]</c>), dtype float32 or float64.
    /// </summary>
    /// <param name="modelOutput">network output (ε, x₀ or v per <see cref="DdimSchedulerConfig.PredictionType"/>).</param>
    /// <param name="timestep">current timestep t.</param>
    /// <param name="sample">current latent x_t.</param>
    /// <param name="eta">η: 0 deterministic DDIM, 1 DDPM-like variance.</param>
    /// <param name="varianceNoise">noise for η &gt; 0; drawn from <paramref name="generator"/> when null.</param>
    /// <param name="generator">random source for η &gt; 0.</param>
    /// <param name="useClippedModelOutput">re-derive ε from the clipped x₀ (diffusers <c>use_clipped_model_output</c>).</param>
    public SchedulerStepOutput Step(Tensor modelOutput, long timestep, Tensor sample, double eta, Tensor? varianceNoise,
        Generator? generator, bool useClippedModelOutput)
    {
        EnsureTimestepsSet();
        return Step(modelOutput, timestep, sample, eta, varianceNoise, generator, useClippedModelOutput, InferenceSteps);
    }

    /// <summary>The DDIM step for a schedule of <paramref name="inferenceSteps"/> steps (no dependence on <see cref="SetTimesteps"/>).</summary>
    internal SchedulerStepOutput Step(Tensor modelOutput, long timestep, Tensor sample, double eta, Tensor? varianceNoise,
        Generator? generator, bool useClippedModelOutput, int inferenceSteps)
    {
        ArgumentNullException.ThrowIfNull(modelOutput);
        ArgumentNullException.ThrowIfNull(sample);
        if (!modelOutput.shape.SequenceEqual(sample.shape))
            throw new ArgumentException($"modelOutput [{string.Join(",", modelOutput.shape)}] and sample [{string.Join(",", sample.shape)}] must have the same shape.", nameof(modelOutput));
        if (eta < 0) throw new ArgumentOutOfRangeException(nameof(eta), eta, "η must be ≥ 0.");

        long prev = timestep - Config.NumTrainTimesteps / inferenceSteps;
        float alphaT = AlphaCumprodF(timestep);
        float alphaPrev = AlphaCumprodOrFinal(prev);
        float betaT = 1f - alphaT;
        float sqrtAlphaT = MathF.Sqrt(alphaT);
        float sqrtBetaT = MathF.Sqrt(betaT);

        using var scope = NewDisposeScope();
        Tensor predX0, predEps;
        switch (Config.PredictionType)
        {
            case PredictionType.Epsilon:
                predX0 = (sample - modelOutput * sqrtBetaT) / sqrtAlphaT;
                predEps = modelOutput;
                break;
            case PredictionType.Sample:
                predX0 = modelOutput;
                predEps = (sample - predX0 * sqrtAlphaT) / sqrtBetaT;
                break;
            default:
                predX0 = sample * sqrtAlphaT - modelOutput * sqrtBetaT;
                predEps = modelOutput * sqrtAlphaT + sample * sqrtBetaT;
                break;
        }
        if (Config.Thresholding) predX0 = ThresholdSample(predX0);
        else if (Config.ClipSample) predX0 = predX0.clamp(-Config.ClipSampleRange, Config.ClipSampleRange);

        float betaPrev = 1f - alphaPrev;
        float variance = betaPrev / betaT * (1f - alphaT / alphaPrev);
        float stdDev = (float)eta * MathF.Sqrt(variance);
        if (useClippedModelOutput) predEps = (sample - predX0 * sqrtAlphaT) / sqrtBetaT;

        var direction = predEps * MathF.Sqrt(1f - alphaPrev - stdDev * stdDev);
        var prevSample = predX0 * MathF.Sqrt(alphaPrev) + direction;
        if (eta > 0)
        {
            if (varianceNoise is not null && !varianceNoise.shape.SequenceEqual(modelOutput.shape))
                throw new ArgumentException("varianceNoise must have the shape of modelOutput.", nameof(varianceNoise));
            var noise = varianceNoise ?? randn(modelOutput.shape, dtype: modelOutput.dtype, device: generator?.device ?? modelOutput.device, generator: generator)
                .to(modelOutput.device);
            prevSample = prevSample + noise * stdDev;
        }
        return new SchedulerStepOutput(prevSample.MoveToOuterDisposeScope(), predX0.alias().MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">shapes differ or timesteps is not one per batch item.</exception>
    public Tensor AddNoise(Tensor originalSamples, Tensor noise, Tensor timesteps)
    {
        ArgumentNullException.ThrowIfNull(originalSamples);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(timesteps);
        if (!originalSamples.shape.SequenceEqual(noise.shape))
            throw new ArgumentException("noise must have the shape of originalSamples.", nameof(noise));
        long batch = originalSamples.shape[0];
        using var scope = NewDisposeScope();
        var ts = timesteps.flatten().to(CPU).to_type(ScalarType.Int64).data<long>().ToArray();
        if (ts.Length != batch && ts.Length != 1)
            throw new ArgumentException($"timesteps must hold 1 or {batch} values (got {ts.Length}).", nameof(timesteps));
        var alphas = ts.Select(AlphaCumprodF).ToArray();
        var shape = new long[originalSamples.dim()];
        Array.Fill(shape, 1L);
        shape[0] = alphas.Length;
        // diffusers casts ᾱ to the sample dtype first, then takes the square roots in that dtype.
        var ac = tensor(alphas, new long[] { alphas.Length }).to(originalSamples.dtype).to(originalSamples.device).reshape(shape);
        var result = ac.sqrt() * originalSamples + (1 - ac).sqrt() * noise;
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Timesteps of an inversion / partial denoising that uses the last <paramref name="actualSteps"/> of the schedule,
    /// in denoising order (noisiest first): <c>Timesteps[InferenceSteps − actualSteps ..]</c>.
    /// </summary>
    public IReadOnlyList<long> TailTimesteps(int actualSteps)
    {
        EnsureTimestepsSet();
        if (actualSteps < 0 || actualSteps > InferenceSteps)
            throw new ArgumentOutOfRangeException(nameof(actualSteps), actualSteps, $"Must be in [0, {InferenceSteps}].");
        return _timesteps[(InferenceSteps - actualSteps)..];
    }

    private Tensor ThresholdSample(Tensor sample)
    {
        var dtype = sample.dtype;
        var shape = sample.shape;
        var flat = (dtype is ScalarType.Float32 or ScalarType.Float64 ? sample : sample.to_type(ScalarType.Float32)).reshape(shape[0], -1);
        var s = flat.abs().quantile(Config.DynamicThresholdingRatio, dim: 1).clamp(1.0, Config.SampleMaxValue).unsqueeze(1);
        var clamped = minimum(maximum(flat, -s), s) / s;
        return clamped.reshape(shape).to_type(dtype);
    }

    private void EnsureTimestepsSet()
    {
        if (InferenceSteps == 0) throw new InvalidOperationException("Call SetTimesteps before stepping the scheduler.");
    }

    private static (float[] Betas, float[] AlphasCumprod) BuildTables(DdimSchedulerConfig c)
    {
        int n = c.NumTrainTimesteps;
        float[] betas;
        if (c.TrainedBetas is not null) betas = c.TrainedBetas.Select(b => (float)b).ToArray();
        else
        {
            betas = c.BetaSchedule switch
            {
                BetaSchedule.Linear => TorchCpuLinspace((float)c.BetaStart, (float)c.BetaEnd, n),
                BetaSchedule.ScaledLinear => TorchCpuLinspace((float)Math.Sqrt(c.BetaStart), (float)Math.Sqrt(c.BetaEnd), n).Select(b => b * b).ToArray(),
                _ => CosineBetas(n).Select(b => (float)b).ToArray(),
            };
        }
        if (c.RescaleBetasZeroSnr) betas = RescaleZeroTerminalSnr(betas);
        return (betas, Cumprod(betas));
    }

    /// <summary>
    /// float32 <c>torch.linspace</c> exactly as PyTorch's AVX2 CPU kernel produces it (the reference β tables were made
    /// that way; a plain formula differs from it by one ulp in ~30% of entries): the first half counts up from start,
    /// the second half down from end; full 16-element stretches are written as 8-lane vectors whose base is a fused
    /// multiply-add and whose lanes add i·step; the remainder uses the scalar formula.
    /// </summary>
    internal static float[] TorchCpuLinspace(float start, float end, int steps)
    {
        var y = new float[steps];
        if (steps == 1)
        {
            y[0] = start;
            return y;
        }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        float Point(int idx) => idx < halfway
            ? MathF.FusedMultiplyAdd(step, idx, start)
            : MathF.FusedMultiplyAdd(-step, steps - idx - 1, end);
        const int lanes = 8, block = 2 * lanes;
        int vectorised = steps / block * block;
        for (int b = 0; b < vectorised; b += lanes)
        {
            float baseValue = Point(b);
            for (int i = 0; i < lanes; i++) y[b + i] = baseValue + i * step;
        }
        for (int idx = vectorised; idx < steps; idx++) y[idx] = Point(idx);
        return y;
    }

    /// <summary>float32 <c>torch.cumprod(1 − β)</c>: PyTorch's CPU kernel accumulates in double and rounds each output.</summary>
    private static float[] Cumprod(float[] betas)
    {
        var result = new float[betas.Length];
        double acc = 1.0;
        for (int i = 0; i < betas.Length; i++)
        {
            acc *= 1f - betas[i];
            result[i] = (float)acc;
        }
        return result;
    }

    /// <summary>Glide's cosine schedule: β_i = min(1 − ᾱ((i+1)/T)/ᾱ(i/T), 0.999), ᾱ(t) = cos²((t + 0.008)/1.008 · π/2), in double.</summary>
    private static double[] CosineBetas(int n)
    {
        static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
        var betas = new double[n];
        for (int i = 0; i < n; i++) betas[i] = Math.Min(1 - AlphaBar((double)(i + 1) / n) / AlphaBar((double)i / n), 0.999);
        return betas;
    }

    /// <summary>Zero-terminal-SNR rescaling (Lin et al. 2023, Algorithm 1), in float32 as diffusers does it.</summary>
    private static float[] RescaleZeroTerminalSnr(float[] betas)
    {
        var sqrtBar = Cumprod(betas).Select(MathF.Sqrt).ToArray();
        float first = sqrtBar[0], last = sqrtBar[^1];
        float scale = first / (first - last);
        var bar = sqrtBar.Select(v => (v - last) * scale).Select(v => v * v).ToArray();
        var result = new float[betas.Length];
        result[0] = 1f - bar[0];
        for (int i = 1; i < bar.Length; i++) result[i] = 1f - bar[i] / bar[i - 1];
        return result;
    }
}
