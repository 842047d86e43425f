using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>
/// diffusers <c>TimestepEmbedding</c> (<c>time_embedding</c>): <c>linear_1 → act → linear_2 (→ post_act)</c>, mapping the
/// sinusoidal projection <c>[N, C_in]</c> to the time embedding <c>[N, C_emb]</c> the resnets consume.
/// </summary>
internal sealed class TimestepEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Linear linear_1;
    private readonly nn.Module<Tensor, Tensor> act;
    private readonly Linear linear_2;
    private readonly nn.Module<Tensor, Tensor>? post_act;

    /// <summary>Creates the embedding MLP.</summary>
    public TimestepEmbedding(int inChannels, int timeEmbedDim, string actFn = "silu", int? outDim = null, string? postActFn = null)
        : base(nameof(TimestepEmbedding))
    {
        linear_1 = nn.Linear(inChannels, timeEmbedDim);
        act = Activations.Create(actFn);
        linear_2 = nn.Linear(timeEmbedDim, outDim ?? timeEmbedDim);
        post_act = postActFn is null ? null : Activations.Create(postActFn);
        RegisterComponents();
    }

    /// <summary><c>[N, C_in] → [N, C_emb]</c>.</summary>
    public override Tensor forward(Tensor sample)
    {
        var h = linear_2.call(act.call(linear_1.call(sample)));
        return post_act is null ? h : post_act.call(h);
    }
}
