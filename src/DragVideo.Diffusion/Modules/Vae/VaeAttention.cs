using DragVideo.Diffusion.Modules.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DragVideo.Diffusion.Modules.Vae;

/// <summary>
/// The single-head spatial self-attention of the VAE mid block (diffusers <c>Attention</c> with <c>group_norm</c>,
/// <c>residual_connection=True</c>, rescale 1, heads = 1, head dim = C): GroupNorm, then attention over the H·W
/// positions, <c>to_out.0</c> projection, plus the input. Input/output <c>[N, C, H, W]</c>.
/// </summary>
internal sealed class VaeAttention : Module<Tensor, Tensor>
{
    private readonly GroupNorm group_norm;
    private readonly Linear to_q;
    private readonly Linear to_k;
    private readonly Linear to_v;
    private readonly ModuleList<Module<Tensor, Tensor>> to_out;

    /// <summary>Creates the attention layer for <paramref name="channels"/> channels.</summary>
    public VaeAttention(long channels, long groups, double eps) : base(nameof(VaeAttention))
    {
        group_norm = Normalization.GroupNorm(groups, channels, eps);
        to_q = Linear(channels, channels);
        to_k = Linear(channels, channels);
        to_v = Linear(channels, channels);
        to_out = new ModuleList<Module<Tensor, Tensor>>(Linear(channels, channels), Dropout(0.0));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        long n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3];
        Tensor attended;
        using (var normed = group_norm.call(input))
        using (var tokens = normed.view(n, c, h * w).transpose(1, 2))
        using (var q2 = to_q.call(tokens))
        using (var k2 = to_k.call(tokens))
        using (var v2 = to_v.call(tokens))
        using (var q = q2.unsqueeze(1))
        using (var k = k2.unsqueeze(1))
        using (var v = v2.unsqueeze(1))
        using (var a = functional.scaled_dot_product_attention(q, k, v))
        using (var merged = a.squeeze(1))
        using (var projected = to_out[0].call(merged))
            attended = to_out[1].call(projected).alias();
        using (attended)
        using (var spatial = attended.transpose(-1, -2).reshape(n, c, h, w))
            return spatial + input;
    }
}
