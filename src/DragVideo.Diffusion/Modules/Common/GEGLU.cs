using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>
/// diffusers <c>GEGLU</c> (Shazeer 2020): <c>proj</c> to twice the width, split into value and gate, value·GELU(gate).
/// <c>[.., C_in] → [.., C_out]</c>.
/// </summary>
internal sealed class GEGLU : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    /// <summary>Creates the gated unit.</summary>
    public GEGLU(int dimIn, int dimOut, bool bias = true) : base(nameof(GEGLU))
    {
        proj = nn.Linear(dimIn, dimOut * 2, hasBias: bias);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hiddenStates)
    {
        var parts = proj.call(hiddenStates).chunk(2, dim: -1);
        return parts[0] * nn.functional.gelu(parts[1]);
    }
}
