using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Precision;

/// <summary>
/// The half-precision policy of the SDK, as the released code's autocast + GradScaler: the networks may hold and compute
/// in float16 or bfloat16 on an accelerator, while everything that is optimised or accumulated stays float32 — the
/// optimised latent and its Adam state, the losses, and LoRA master weights (cast to the network's dtype inside each
/// adapted projection). float16 training adds <see cref="LossScaler"/>. These checks turn a dtype mix-up into an error
/// that names the tensor instead of a kernel's "expected scalar type" message.
/// </summary>
public static class PrecisionPolicy
{
    /// <summary>Whether <paramref name="dtype"/> is float16 or bfloat16.</summary>
    public static bool IsHalf(ScalarType dtype) => dtype is ScalarType.Float16 or ScalarType.BFloat16;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming <paramref name="name"/> unless <paramref name="tensor"/> is a
    /// floating-point tensor.
    /// </summary>
    public static void RequireFloating(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!is_floating_point(tensor))
            throw new ArgumentException($"{name} must be a floating-point tensor; got {tensor.dtype}.", name);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming <paramref name="name"/> when <paramref name="tensor"/> is not a
    /// full-precision (float32 or float64) tensor: optimised and accumulated values must not be half precision.
    /// </summary>
    public static void RequireMasterPrecision(Tensor tensor, string name)
    {
        RequireFloating(tensor, name);
        if (IsHalf(tensor.dtype))
            throw new ArgumentException($"{name} is {tensor.dtype}; optimised values (latents, Adam state, losses, LoRA master weights) must be float32 " +
                "under the half-precision policy — keep the network in half precision and this tensor in float32.", name);
    }

    /// <summary>
    /// Throws <see cref="UnsupportedConfigurationException"/> for <paramref name="setting"/> when <paramref name="device"/>
    /// cannot compute in <paramref name="dtype"/> at a usable speed: float16/bfloat16 on a CPU (LibTorch runs them
    /// there hundreds of times slower than float32, see docs/performance.md) unless <paramref name="allowOnCpu"/>.
    /// </summary>
    public static void EnsureDeviceSupports(ScalarType dtype, Device? device, bool allowOnCpu, string setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        if (!IsHalf(dtype)) return;
        var type = device?.type ?? DeviceType.CPU;
        if (type == DeviceType.CPU && !allowOnCpu)
            throw new UnsupportedConfigurationException(setting,
                $"{dtype} weights on the CPU compute hundreds of times slower than float32; use float32 on the CPU, " +
                "load on a GPU (ModelLoading.Device), or set Memory.AllowHalfPrecisionOnCpu for a plumbing test.");
    }
}
