using DragVideo.Diffusion.Precision;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Lora;

/// <summary>Outcome of <see cref="LoraTrainer.Train"/>.</summary>
/// <param name="Losses">the Eq. 1 loss of every step, in order.</param>
public sealed record LoraTrainingResult(IReadOnlyList<double> Losses);

/// <summary>
/// Trains a <see cref="LoraNetwork"/> on one clip's latents (DragVideo §3.2, Eq. 1):
/// <c>L = E‖ε − ε_{θ+Δθ}(√ᾱ_t·z + √(1−ᾱ_t)·ε, t, prompt)‖²</c> with <c>t</c> uniform over the scheduler's training
/// timesteps, only the LoRA weights Δθ trainable (AdamW), each step on a random contiguous window of frames. The loss is
/// the mean over all elements and the update is torch's AdamW (decoupled decay first), as the released
/// <c>LoRATrainHelper</c>; each step's window, timestep and noise come from an <see cref="ILoraTrainingDraws"/>.
/// </summary>
public sealed class LoraTrainer
{
    private readonly ILogger _logger;

    /// <summary>Creates a trainer.</summary>
    public LoraTrainer(ILogger<LoraTrainer>? logger = null) => _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>
    /// Runs <see cref="LoraTrainingOptions.Steps"/> AdamW steps. The network is attached for the run (and left attached).
    /// The backbone's own parameters are frozen during the run and restored afterwards.
    /// </summary>
    /// <param name="backbone">the video U-Net.</param>
    /// <param name="scheduler">supplies ᾱ_t (AddNoise) and the number of training timesteps.</param>
    /// <param name="network">adapters to train (created on <paramref name="backbone"/>).</param>
    /// <param name="latents">the clip's scaled VAE latents, float <c>[1, C, F, h, w]</c>.</param>
    /// <param name="textEmbedding">prompt embedding <c>[1, 77, D]</c>.</param>
    /// <param name="options">training settings.</param>
    /// <param name="progress">called after every step.</param>
    /// <param name="cancellationToken">checked before every step and between its forward and update.</param>
    /// <param name="draws">each step's frame window, timestep and noise; default <see cref="SeededLoraTrainingDraws"/> from
    /// <see cref="LoraTrainingOptions.Seed"/>.</param>
    /// <exception cref="OperationCanceledException">cancelled; the adapters keep the last completed step's weights.</exception>
    public LoraTrainingResult Train(IVideoDiffusionBackbone backbone, INoiseScheduler scheduler, LoraNetwork network, Tensor latents,
        Tensor textEmbedding, LoraTrainingOptions? options = null, IProgress<LoraTrainingStep>? progress = null,
        CancellationToken cancellationToken = default, ILoraTrainingDraws? draws = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(textEmbedding);
        options ??= new LoraTrainingOptions();
        options.Validate();
        if (latents.dim() != 5 || latents.shape[0] != 1)
            throw new ArgumentException($"latents must be [1, C, F, h, w]; got [{string.Join(", ", latents.shape)}].", nameof(latents));

        int frames = (int)latents.shape[2];
        int window = Math.Min(options.BatchFrames, frames);
        using var seeded = draws is null ? new SeededLoraTrainingDraws(options.Seed) : null;
        draws ??= seeded!;
        var losses = new List<double>(options.Steps);
        // Half-precision policy: LoRA master weights, the latents and the loss stay float32 (float16 backbones loss-scaled).
        PrecisionPolicy.RequireFloating(latents, nameof(latents));
        foreach (var (path, layer) in network.Layers)
            foreach (var (projection, adapter) in layer.Projections)
            {
                PrecisionPolicy.RequireMasterPrecision(adapter.Down, $"LoRA parameter '{LoraKeyNames.Down(path, projection)}'");
                PrecisionPolicy.RequireMasterPrecision(adapter.Up, $"LoRA parameter '{LoraKeyNames.Up(path, projection)}'");
            }
        network.Attach();
        var parameters = network.Parameters().ToList();
        foreach (var p in parameters) p.requires_grad_(true);
        LossScaler? scaler = null;
        using var frozen = FrozenParameters.Freeze(backbone);
        using var optimizer = optim.AdamW(parameters, lr: options.LearningRate, beta1: options.Beta1, beta2: options.Beta2,
            eps: options.Epsilon, weight_decay: options.WeightDecay);
        using var enabled = enable_grad();
        for (int step = 0; step < options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var shape = latents.shape.ToArray();
            shape[2] = window;
            // Half-precision policy: half latents are trained on with float32 noise.
            var noiseDtype = PrecisionPolicy.IsHalf(latents.dtype) ? ScalarType.Float32 : latents.dtype;
            var (start, t, noise) = draws.Draw(step, frames, window, scheduler.TrainTimesteps, shape, noiseDtype, latents.device);
            if (start < 0 || start + window > frames)
                throw new InvalidOperationException($"the draw's window {start}…{start + window - 1} is outside the clip's {frames} frames.");
            var clean = latents.detach().narrow(2, start, window);
            // Half-precision policy: the loss is computed from float32 latents.
            if (PrecisionPolicy.IsHalf(clean.dtype)) clean = clean.to_type(ScalarType.Float32);
            var timesteps = tensor(new[] { t }, dtype: ScalarType.Int64, device: clean.device);
            var noisy = scheduler.AddNoise(clean, noise, timesteps);
            var prediction = backbone.PredictNoise(noisy, timesteps, textEmbedding);
            var loss = nn.functional.mse_loss(prediction.to_type(ScalarType.Float32), noise.to_type(ScalarType.Float32));
            double value = loss.item<float>();
            cancellationToken.ThrowIfCancellationRequested();
            optimizer.zero_grad();
            scaler ??= LossScaler.For(prediction.dtype);
            scaler.Backward(loss);
            scaler.Step(optimizer, parameters);
            losses.Add(value);
            _logger.LogDebug("LoRA step {Step}/{Total}: loss {Loss:G5} (t = {Timestep}, frames {Start}…{End})",
                step + 1, options.Steps, value, t, start, start + window - 1);
            progress?.Report(new LoraTrainingStep(step + 1, options.Steps, value, t, start));
        }
        return new LoraTrainingResult(losses);
    }

    /// <summary>
    /// The Eq. 1 loss averaged over <paramref name="samples"/> fixed (timestep, noise) draws from <paramref name="seed"/>,
    /// on the whole clip, without gradients: a deterministic yardstick to compare a network before and after training.
    /// </summary>
    /// <returns>the mean noise-prediction MSE.</returns>
    public static double EvaluateLoss(IVideoDiffusionBackbone backbone, INoiseScheduler scheduler, Tensor latents, Tensor textEmbedding,
        int samples = 8, long seed = 1234)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        var random = new Random(unchecked((int)seed));
        double sum = 0;
        for (int i = 0; i < samples; i++)
        {
            using var scope = NewDisposeScope();
            long t = random.Next(0, scheduler.TrainTimesteps);
            var noise = randn(latents.shape, dtype: latents.dtype, generator: generator).to(latents.device);
            var timesteps = tensor(new[] { t }, dtype: ScalarType.Int64, device: latents.device);
            var noisy = scheduler.AddNoise(latents, noise, timesteps);
            var prediction = backbone.PredictNoise(noisy, timesteps, textEmbedding);
            sum += nn.functional.mse_loss(prediction.to_type(ScalarType.Float32), noise.to_type(ScalarType.Float32)).item<float>();
        }
        return sum / samples;
    }
}
