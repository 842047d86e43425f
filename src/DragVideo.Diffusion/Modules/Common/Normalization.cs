using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>Normalisation layers initialised as PyTorch initialises them.</summary>
internal static class Normalization
{
    /// <summary>
    /// An affine <c>GroupNorm</c> with weight 1 and bias 0. TorchSharp 0.107's <c>nn.GroupNorm</c> leaves its affine
    /// parameters as uninitialised memory (<c>torch.empty</c>), which makes a freshly built model produce NaN/inf
    /// until weights are loaded; PyTorch's <c>reset_parameters</c> sets ones and zeros.
    /// </summary>
    public static GroupNorm GroupNorm(long numGroups, long numChannels, double eps)
    {
        var norm = nn.GroupNorm(numGroups, numChannels, eps, affine: true);
        using (no_grad())
        {
            nn.init.ones_(norm.weight);
            nn.init.zeros_(norm.bias!);
        }
        return norm;
    }
}
