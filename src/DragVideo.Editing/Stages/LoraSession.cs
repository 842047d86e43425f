using DragVideo.Diffusion.Lora;
using static TorchSharp.torch;

namespace DragVideo.Editing.Stages;

/// <summary>
/// The sample-specific LoRA of one edit (DragVideo §3.2), from attach to detach: it attaches the adapters to the backbone,
/// loads or trains them, freezes them and sets their scale for inversion, drag and denoising, and on dispose detaches
/// them (restoring the layers' previous attention processors) and frees their tensors, also when a later stage throws.
/// Use it with <c>using</c>. A session without LoRA (<see cref="None"/>) does nothing.
/// </summary>
internal sealed class LoraSession : IDisposable
{
    private readonly LoraNetwork? _network;

    private LoraSession(LoraNetwork? network) => _network = network;

    /// <summary>A session that runs without LoRA (§3.2 skipped).</summary>
    public static LoraSession None() => new(null);

    /// <summary>Creates adapters of <paramref name="config"/> on <paramref name="backbone"/> (not attached yet).</summary>
    public static LoraSession Open(IVideoDiffusionBackbone backbone, LoraConfig config) => new(LoraNetwork.Create(backbone, config));

    /// <summary>The adapters (null without LoRA), for inspection; the session alone attaches, freezes and detaches them.</summary>
    public LoraNetwork? Adapters => _network;

    /// <summary>True while the adapters are attached to the backbone.</summary>
    public bool IsAttached => _network?.IsAttached ?? false;

    /// <summary>Loads trained weights (e.g. from the cache) and attaches the adapters.</summary>
    /// <exception cref="ModelLoadException">the weights do not fit the adapters.</exception>
    public void Restore(IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        var network = Required;
        network.LoadStateDict(weights, source);
        network.Attach();
    }

    /// <summary>Attaches the adapters and trains them with <paramref name="trainer"/> (Eq. 1).</summary>
    public LoraTrainingResult Train(LoraTrainer trainer, IVideoDiffusionBackbone backbone, INoiseScheduler scheduler, Tensor latents,
        Tensor textEmbedding, LoraTrainingOptions options, IProgress<LoraTrainingStep>? progress, CancellationToken cancellationToken)
    {
        var network = Required;
        network.Attach();
        return trainer.Train(backbone, scheduler, network, latents, textEmbedding, options, progress, cancellationToken);
    }

    /// <summary>Turns off the adapters' gradients and sets their <paramref name="scale"/> for the rest of the edit.</summary>
    public void Freeze(double scale)
    {
        if (_network is null) return;
        foreach (var p in _network.Parameters()) p.requires_grad_(false);
        _network.Scale = scale;
    }

    /// <summary>A copy of the adapters' weights (for the cache; the caller owns the tensors).</summary>
    public Dictionary<string, Tensor> StateDict() => Required.StateDict();

    /// <summary>Detaches the adapters (the layers get their previous processors back) and frees them.</summary>
    public void Dispose() => _network?.Dispose();

    private LoraNetwork Required => _network ?? throw new InvalidOperationException("this edit runs without LoRA.");
}
