using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>Identifies a module's weights for caches (<see cref="IWeightFingerprint"/>).</summary>
public static class WeightFingerprint
{
    /// <summary>
    /// SHA-256 (hex, lower case) of every parameter and buffer name, dtype and shape, and the first 1,024 values of each:
    /// cheap even for SD1.5, yet any re-initialised or differently loaded weight changes it.
    /// </summary>
    public static string Of(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var noGrad = no_grad();
        foreach (var (name, p) in module.named_parameters().Select(x => (x.name, (Tensor)x.parameter)).Concat(module.named_buffers()))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            using var head = p.detach().flatten().narrow(0, 0, Math.Min(1024, p.numel()));
            using var cpu = head.to(CPU).contiguous();
            hash.AppendData(Encoding.UTF8.GetBytes(cpu.dtype.ToString()));
            hash.AppendData(MemoryMarshal.AsBytes(cpu.shape.AsSpan()));
            if (cpu.numel() > 0) hash.AppendData(cpu.bytes);
            hash.AppendData(MemoryMarshal.AsBytes(p.shape.AsSpan()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
