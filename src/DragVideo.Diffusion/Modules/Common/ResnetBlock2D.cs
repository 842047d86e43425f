using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>
/// diffusers <c>ResnetBlock2D</c> (pre-norm): <c>norm1 → act → conv1 (+ time_emb_proj(act(temb))) → norm2 → act → dropout
/// → conv2</c>, plus the (1×1 <c>conv_shortcut</c> when the width changes) skip, divided by <c>output_scale_factor</c>.
/// Input and output <c>[N, C, H, W]</c>; <c>temb</c> <c>[N, C_emb]</c> or null.
/// </summary>
internal sealed class ResnetBlock2D : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly Linear? time_emb_proj;
    private readonly GroupNorm norm2;
    private readonly Dropout dropout;
    private readonly Conv2d conv2;
    private readonly nn.Module<Tensor, Tensor> nonlinearity;
    private readonly Conv2d? conv_shortcut;

    private readonly bool _scaleShift;
    private readonly bool _skipTimeAct;
    private readonly double _outputScaleFactor;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">input channels.</param>
    /// <param name="outChannels">output channels (default: <paramref name="inChannels"/>).</param>
    /// <param name="tembChannels">time-embedding width, or null for a block without time conditioning (VAE).</param>
    /// <param name="groups">GroupNorm groups.</param>
    /// <param name="eps">GroupNorm epsilon.</param>
    /// <param name="groupsOut">groups of <c>norm2</c> (default <paramref name="groups"/>).</param>
    /// <param name="dropoutP">dropout probability.</param>
    /// <param name="nonLinearity">activation name.</param>
    /// <param name="timeEmbeddingNorm">"default" (add) or "scale_shift".</param>
    /// <param name="skipTimeAct">skip the activation on temb.</param>
    /// <param name="outputScaleFactor">the sum is divided by this.</param>
    /// <param name="useInShortcut">force or forbid the 1×1 shortcut (default: when widths differ).</param>
    /// <param name="convShortcutBias">bias on the shortcut conv.</param>
    public ResnetBlock2D(int inChannels, int? outChannels = null, int? tembChannels = 512, int groups = 32, double eps = 1e-6,
        int? groupsOut = null, double dropoutP = 0.0, string nonLinearity = "swish", string timeEmbeddingNorm = "default",
        bool skipTimeAct = false, double outputScaleFactor = 1.0, bool? useInShortcut = null, bool convShortcutBias = true)
        : base(nameof(ResnetBlock2D))
    {
        int outCh = outChannels ?? inChannels;
        _scaleShift = timeEmbeddingNorm switch
        {
            "default" => false,
            "scale_shift" => true,
            _ => throw new ArgumentException($"Unsupported time_embedding_norm '{timeEmbeddingNorm}'; expected 'default' or 'scale_shift'.", nameof(timeEmbeddingNorm)),
        };
        _skipTimeAct = skipTimeAct;
        _outputScaleFactor = outputScaleFactor;

        norm1 = Normalization.GroupNorm(groups, inChannels, eps);
        conv1 = nn.Conv2d(inChannels, outCh, kernel_size: 3, stride: 1, padding: 1);
        if (tembChannels is int tc)
            time_emb_proj = nn.Linear(tc, _scaleShift ? 2 * outCh : outCh);
        norm2 = Normalization.GroupNorm(groupsOut ?? groups, outCh, eps);
        dropout = nn.Dropout(dropoutP);
        conv2 = nn.Conv2d(outCh, outCh, kernel_size: 3, stride: 1, padding: 1);
        nonlinearity = Activations.Create(nonLinearity);
        if (useInShortcut ?? inChannels != outCh)
            conv_shortcut = nn.Conv2d(inChannels, outCh, kernel_size: 1, bias: convShortcutBias);
        RegisterComponents();
    }

    /// <summary>Applies the block to <paramref name="input"/> <c>[N, C_in, H, W]</c> with time embedding <c>[N, C_emb]</c>.</summary>
    public override Tensor forward(Tensor input, Tensor? temb)
    {
        var h = conv1.call(nonlinearity.call(norm1.call(input)));
        Tensor? t = null;
        if (time_emb_proj is not null && temb is not null)
        {
            var tin = _skipTimeAct ? temb : nonlinearity.call(temb);
            t = time_emb_proj.call(tin).unsqueeze(-1).unsqueeze(-1);
            if (!_scaleShift) h = h + t;
        }
        h = norm2.call(h);
        if (_scaleShift && t is not null)
        {
            var parts = t.chunk(2, dim: 1);
            h = h * (parts[0] + 1) + parts[1];
        }
        h = conv2.call(dropout.call(nonlinearity.call(h)));
        var skip = conv_shortcut is null ? input : conv_shortcut.call(input);
        var sum = skip + h;
        return _outputScaleFactor == 1.0 ? sum : sum / _outputScaleFactor;
    }
}
