using DragVideo.Diffusion.Lora;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Editing.Sampling;

/// <summary>Progress of one joint denoising step.</summary>
/// <param name="Step">1-based step.</param>
/// <param name="TotalSteps">steps to run.</param>
/// <param name="Timestep">the timestep denoised from.</param>
public sealed record DenoisingStep(int Step, int TotalSteps, long Timestep);

/// <summary>The two denoised streams (caller owns both tensors).</summary>
/// <param name="Original">the original stream's final latent <c>[1, C, F, h, w]</c> (a reconstruction of the input).</param>
/// <param name="Edited">the edited stream's final latent <c>[1, C, F, h, w]</c>.</param>
public sealed record MutualSelfAttentionResult(Tensor Original, Tensor Edited) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Original.Dispose();
        Edited.Dispose();
    }
}

/// <summary>
/// Denoises the original latent z_t and the edited latent ẑ_t side by side through the remaining DDIM steps
/// (DragVideo §3.5). The two are batched <c>[original; edited]</c> in one U-Net pass per step; in the layers chosen by
/// <see cref="MutualSelfAttentionOptions"/> a <see cref="MutualSelfAttentionProcessor"/> gives the edited stream the
/// original stream's keys and values (Eq. 6). By default no classifier-free guidance (the paper's guidance scale 1); with
/// <see cref="MutualSelfAttentionOptions.GuidanceScale"/> ≠ 1 the batch is doubled to
/// <c>[original, edited, original, edited]</c> with the unconditional then the conditional embedding, as the released
/// pipeline. The layers' previous processors are restored afterwards, also on error or cancellation.
/// </summary>
public sealed class MutualSelfAttentionSampler
{
    private readonly IVideoDiffusionBackbone _backbone;
    private readonly INoiseScheduler _scheduler;
    private readonly MutualSelfAttentionOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a sampler.</summary>
    /// <param name="backbone">the (LoRA-adapted) video U-Net.</param>
    /// <param name="scheduler">a DDIM scheduler with its inference timesteps set.</param>
    /// <param name="options">layer/step choice.</param>
    /// <param name="logger">optional logger.</param>
    public MutualSelfAttentionSampler(IVideoDiffusionBackbone backbone, INoiseScheduler scheduler, MutualSelfAttentionOptions? options = null,
        ILogger? logger = null)
    {
        _backbone = backbone ?? throw new ArgumentNullException(nameof(backbone));
        _scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        _options = options ?? new MutualSelfAttentionOptions();
        _options.Validate();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The attention layers that get Mutual Self-Attention on this backbone.</summary>
    public IReadOnlyList<AttentionLayerInfo> SelectedLayers =>
        _options.Enabled ? _backbone.AttentionLayers.Where(_options.Selects).ToList() : Array.Empty<AttentionLayerInfo>();

    /// <summary>
    /// Denoises from the inference timestep at <paramref name="startIndex"/> in <see cref="INoiseScheduler.Timesteps"/> to
    /// the end.
    /// </summary>
    /// <param name="original">z_t, <c>[1, C, F, h, w]</c> (not modified).</param>
    /// <param name="edited">ẑ_t, same shape (not modified).</param>
    /// <param name="startIndex">index of t in the scheduler's timesteps.</param>
    /// <param name="textEmbedding">prompt embedding <c>[1, 77, D]</c>.</param>
    /// <param name="progress">called after every step.</param>
    /// <param name="cancellationToken">checked before every step.</param>
    /// <param name="unconditionalEmbedding">the empty prompt's embedding <c>[1, 77, D]</c>; required when the guidance scale is not 1.</param>
    public MutualSelfAttentionResult Sample(Tensor original, Tensor edited, int startIndex, Tensor textEmbedding,
        IProgress<DenoisingStep>? progress = null, CancellationToken cancellationToken = default, Tensor? unconditionalEmbedding = null)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(edited);
        ArgumentNullException.ThrowIfNull(textEmbedding);
        if (!original.shape.SequenceEqual(edited.shape))
            throw new ArgumentException("original and edited latents must have the same shape.", nameof(edited));
        var timesteps = _scheduler.Timesteps;
        if (startIndex < 0 || startIndex > timesteps.Count)
            throw new ArgumentOutOfRangeException(nameof(startIndex), startIndex, $"the scheduler has {timesteps.Count} timesteps.");
        bool guided = _options.GuidanceScale != 1.0;
        if (guided && unconditionalEmbedding is null)
            throw new ArgumentNullException(nameof(unconditionalEmbedding), $"guidance scale {_options.GuidanceScale} needs the unconditional (empty-prompt) embedding.");
        if (guided && !unconditionalEmbedding!.shape.SequenceEqual(textEmbedding.shape))
            throw new ArgumentException($"the unconditional embedding must have the text embedding's shape [{string.Join(", ", textEmbedding.shape)}].",
                nameof(unconditionalEmbedding));

        var installed = Install();
        try
        {
            using var noGrad = no_grad();
            var latents = cat(new[] { original.detach(), edited.detach() }, 0);
            using var embedding = guided
                ? cat(new[] { unconditionalEmbedding!, unconditionalEmbedding!, textEmbedding, textEmbedding }, 0)
                : textEmbedding.expand(2, textEmbedding.shape[1], textEmbedding.shape[2]).contiguous();
            int total = timesteps.Count - startIndex;
            for (int i = startIndex; i < timesteps.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                long t = timesteps[i];
                var tt = tensor(new[] { t }, dtype: ScalarType.Int64, device: latents.device);
                var eps = guided
                    ? Guide(_backbone.PredictNoise(cat(new[] { latents, latents }, 0), tt, embedding, denoisingStep: i - startIndex), _options.GuidanceScale)
                    : _backbone.PredictNoise(latents, tt, embedding, denoisingStep: i - startIndex);
                var next = _scheduler.Step(eps, t, latents).PrevSample.MoveToOuterDisposeScope();
                latents.Dispose();
                latents = next;
                progress?.Report(new DenoisingStep(i - startIndex + 1, total, t));
            }
            using (latents)
            {
                return new MutualSelfAttentionResult(latents.narrow(0, 0, 1).clone(), latents.narrow(0, 1, 1).clone());
            }
        }
        finally
        {
            foreach (var (path, previous) in installed) _backbone.SetAttentionProcessor(path, previous);
        }
    }

    /// <summary>ε_u + s·(ε_c − ε_u) for a prediction <c>[ε_u; ε_c]</c> stacked along the batch.</summary>
    private static Tensor Guide(Tensor prediction, double scale)
    {
        var halves = prediction.chunk(2, 0);
        return halves[0].add(halves[1].sub(halves[0]).mul(scale));
    }

    private List<(string Path, IAttentionProcessor Previous)> Install()
    {
        var installed = new List<(string, IAttentionProcessor)>();
        foreach (var layer in SelectedLayers)
        {
            var current = _backbone.GetAttentionProcessor(layer.Path);
            // Keep LoRA outermost so the source-key/value view sees LoRA-adapted projections.
            IAttentionProcessor replacement = current is LoraAttentionProcessor lora
                ? lora.WithInner(new MutualSelfAttentionProcessor(lora.Inner, _options.StartStep))
                : new MutualSelfAttentionProcessor(current, _options.StartStep);
            _backbone.SetAttentionProcessor(layer.Path, replacement);
            installed.Add((layer.Path, current));
        }
        _logger.LogDebug("Mutual Self-Attention on {Count} layers from step {Start}", installed.Count, _options.StartStep);
        return installed;
    }
}
