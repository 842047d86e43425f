using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Lora;

/// <summary>
/// Turns off gradients of a module's parameters for a scope (only the LoRA weights or the latent are optimised; the
/// base network is frozen, which also saves the weight-gradient work). Restores each parameter's previous flag on dispose.
/// </summary>
public sealed class FrozenParameters : IDisposable
{
    private readonly List<(Parameter Parameter, bool RequiresGrad)> _saved = new();

    private FrozenParameters(nn.Module? module)
    {
        if (module is null) return;
        foreach (var p in module.parameters())
        {
            _saved.Add((p, p.requires_grad));
            if (p.requires_grad) p.requires_grad_(false);
        }
    }

    /// <summary>Freezes every parameter of <paramref name="module"/>.</summary>
    public static FrozenParameters Freeze(nn.Module module) => new(module ?? throw new ArgumentNullException(nameof(module)));

    /// <summary>
    /// Freezes <paramref name="backbone"/>'s parameters when it is a TorchSharp module (the built-in U-Nets are); a custom
    /// backbone that is not a module owns its parameters and is left as it is (<see cref="Count"/> is then 0).
    /// </summary>
    public static FrozenParameters Freeze(IVideoDiffusionBackbone backbone)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        return new(backbone as nn.Module);
    }

    /// <summary>Number of parameters that were frozen.</summary>
    public int Count => _saved.Count;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (p, flag) in _saved)
            if (p.requires_grad != flag) p.requires_grad_(flag);
        _saved.Clear();
    }
}
