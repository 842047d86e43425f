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

    private FrozenParameters(object? model)
    {
        if (model is not nn.Module module) return;
        foreach (var p in module.parameters())
        {
            _saved.Add((p, p.requires_grad));
            if (p.requires_grad) p.requires_grad_(false);
        }
    }

    /// <summary>Freezes <paramref name="model"/> when it is a TorchSharp module (otherwise does nothing).</summary>
    public static FrozenParameters Freeze(object? model) => new(model);

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
