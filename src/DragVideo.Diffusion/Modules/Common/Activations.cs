using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>
/// diffusers' <c>get_activation</c>: maps an activation name from a model config (<c>act_fn</c>) to a parameter-free
/// module.
/// </summary>
internal static class Activations
{
    /// <summary>Names accepted by <see cref="Create"/>.</summary>
    public static readonly IReadOnlyList<string> Supported = new[] { "silu", "swish", "mish", "gelu", "relu" };

    /// <summary>Creates the activation called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">the name is not one of <see cref="Supported"/>.</exception>
    public static nn.Module<Tensor, Tensor> Create(string name) => name.ToLowerInvariant() switch
    {
        "silu" or "swish" => nn.SiLU(),
        "mish" => nn.Mish(),
        "gelu" => nn.GELU(),
        "relu" => nn.ReLU(),
        _ => throw new ArgumentException(
            $"Unsupported activation '{name}'; expected one of {string.Join(", ", Supported)}.", nameof(name)),
    };
}
