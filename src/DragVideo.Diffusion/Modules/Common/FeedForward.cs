using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>
/// diffusers <c>FeedForward</c>: <c>net = [activation projection (GEGLU / GELU), Dropout, Linear]</c>, so the keys are
/// <c>net.0.proj.*</c> and <c>net.2.*</c>. <c>[.., dim] → [.., dim_out]</c>, hidden width <c>mult·dim</c>.
/// </summary>
internal sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> net;

    /// <summary>Creates the feed-forward.</summary>
    /// <param name="dim">input width.</param>
    /// <param name="dimOut">output width (default <paramref name="dim"/>).</param>
    /// <param name="mult">hidden multiplier.</param>
    /// <param name="dropoutP">dropout probability.</param>
    /// <param name="activationFn">"geglu", "gelu" or "gelu-approximate".</param>
    /// <param name="innerDim">explicit hidden width.</param>
    /// <param name="bias">biases on the linears.</param>
    public FeedForward(int dim, int? dimOut = null, int mult = 4, double dropoutP = 0.0, string activationFn = "geglu",
        int? innerDim = null, bool bias = true) : base(nameof(FeedForward))
    {
        int inner = innerDim ?? dim * mult;
        nn.Module<Tensor, Tensor> act = activationFn switch
        {
            "geglu" => new GEGLU(dim, inner, bias),
            "gelu" => new GeluProjection(dim, inner, approximateTanh: false, bias),
            "gelu-approximate" => new GeluProjection(dim, inner, approximateTanh: true, bias),
            _ => throw new ArgumentException($"Unsupported feed-forward activation '{activationFn}'; expected geglu, gelu or gelu-approximate.", nameof(activationFn)),
        };
        net = nn.ModuleList<nn.Module<Tensor, Tensor>>(act, nn.Dropout(dropoutP), nn.Linear(inner, dimOut ?? dim, hasBias: bias));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hiddenStates)
    {
        var h = hiddenStates;
        foreach (var m in net) h = m.call(h);
        return h;
    }
}

/// <summary>diffusers <c>GELU</c> activation module: <c>proj</c> then GELU (optionally the tanh approximation).</summary>
internal sealed class GeluProjection : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;
    private readonly bool _tanh;

    /// <summary>Creates the projection.</summary>
    public GeluProjection(int dimIn, int dimOut, bool approximateTanh, bool bias = true) : base("GELU")
    {
        proj = nn.Linear(dimIn, dimOut, hasBias: bias);
        _tanh = approximateTanh;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hiddenStates)
    {
        var h = proj.call(hiddenStates);
        return _tanh ? nn.functional.gelu(h, GELU.Approximate.tanh) : nn.functional.gelu(h);
    }
}
