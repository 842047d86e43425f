using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DragVideo.Diffusion.Modules.Clip;

/// <summary>
/// transformers' <c>CLIPTextEmbeddings</c>: <c>token_embedding</c> + <c>position_embedding</c> of positions 0..L−1.
/// The <c>position_ids</c> buffer is not a parameter here (it is always 0..L−1); loaders skip it when a file has it.
/// int64 ids <c>[B, L]</c> → <c>[B, L, D]</c>.
/// </summary>
internal sealed class ClipTextEmbeddings : Module<Tensor, Tensor>
{
    private readonly Embedding token_embedding;
    private readonly Embedding position_embedding;

    /// <summary>Creates the embeddings.</summary>
    public ClipTextEmbeddings(ClipTextConfig config) : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = Embedding(config.VocabSize, config.HiddenSize);
        position_embedding = Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor inputIds)
    {
        using var positions = arange(inputIds.shape[^1], dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        using var tokens = token_embedding.call(inputIds);
        using var pos = position_embedding.call(positions);
        return tokens + pos;
    }
}

/// <summary>
/// transformers' <c>CLIPAttention</c> with the causal mask: <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>out_proj</c>.
/// <c>[B, L, D]</c> → <c>[B, L, D]</c>.
/// </summary>
internal sealed class ClipAttention : Module<Tensor, Tensor>
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear out_proj;
    private readonly long _heads;

    /// <summary>Creates the attention layer.</summary>
    public ClipAttention(ClipTextConfig config) : base(nameof(ClipAttention))
    {
        _heads = config.NumAttentionHeads;
        k_proj = Linear(config.HiddenSize, config.HiddenSize);
        v_proj = Linear(config.HiddenSize, config.HiddenSize);
        q_proj = Linear(config.HiddenSize, config.HiddenSize);
        out_proj = Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        long b = hidden.shape[0], l = hidden.shape[1], d = hidden.shape[2];
        long headDim = d / _heads;
        Tensor Split(Tensor t) => t.view(b, l, _heads, headDim).transpose(1, 2);
        var q = Split(q_proj.call(hidden));
        var k = Split(k_proj.call(hidden));
        var v = Split(v_proj.call(hidden));
        // Scale 1/√head_dim and a causal mask, as CLIP's text transformer attends only to earlier tokens.
        var a = functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        var merged = a.transpose(1, 2).reshape(b, l, d);
        return out_proj.call(merged).MoveToOuterDisposeScope();
    }
}

/// <summary>transformers' <c>CLIPMLP</c>: <c>fc1</c> → quick_gelu (x·σ(1.702x)) or gelu → <c>fc2</c>.</summary>
internal sealed class ClipMlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly bool _quickGelu;

    /// <summary>Creates the feed-forward block.</summary>
    public ClipMlp(ClipTextConfig config) : base(nameof(ClipMlp))
    {
        _quickGelu = config.HiddenAct == "quick_gelu";
        fc1 = Linear(config.HiddenSize, config.IntermediateSize);
        fc2 = Linear(config.IntermediateSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var h = fc1.call(hidden);
        h = _quickGelu ? h * functional.sigmoid(h * 1.702) : functional.gelu(h);
        return fc2.call(h).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// transformers' <c>CLIPEncoderLayer</c> (pre-norm): x + self_attn(layer_norm1(x)), then + mlp(layer_norm2(·)).
/// <c>[B, L, D]</c> → <c>[B, L, D]</c>.
/// </summary>
internal sealed class ClipEncoderLayer : Module<Tensor, Tensor>
{
    private readonly ClipAttention self_attn;
    private readonly LayerNorm layer_norm1;
    private readonly ClipMlp mlp;
    private readonly LayerNorm layer_norm2;

    /// <summary>Creates the layer.</summary>
    public ClipEncoderLayer(ClipTextConfig config) : base(nameof(ClipEncoderLayer))
    {
        self_attn = new ClipAttention(config);
        layer_norm1 = LayerNorm(config.HiddenSize, config.LayerNormEps);
        mlp = new ClipMlp(config);
        layer_norm2 = LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var h = hidden + self_attn.call(layer_norm1.call(hidden));
        return (h + mlp.call(layer_norm2.call(h))).MoveToOuterDisposeScope();
    }
}

/// <summary>transformers' <c>CLIPEncoder</c>: <c>layers.*</c>.</summary>
internal sealed class ClipEncoder : Module<Tensor, Tensor>
{
    private readonly ModuleList<ClipEncoderLayer> layers;

    /// <summary>Creates the encoder stack.</summary>
    public ClipEncoder(ClipTextConfig config) : base(nameof(ClipEncoder))
    {
        layers = new ModuleList<ClipEncoderLayer>();
        for (int i = 0; i < config.NumHiddenLayers; i++) layers.Add(new ClipEncoderLayer(config));
        RegisterComponents();
    }

    /// <summary>The layers, in order.</summary>
    internal IReadOnlyList<ClipEncoderLayer> Layers => layers.ToArray();

    /// <inheritdoc />
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var h = hidden;
        foreach (var layer in layers) h = layer.call(h);
        return h.alias().MoveToOuterDisposeScope();
    }
}

/// <summary>transformers' <c>CLIPTextTransformer</c>: <c>embeddings</c>, <c>encoder</c>, <c>final_layer_norm</c>.</summary>
internal sealed class ClipTextTransformer : Module<Tensor, Tensor>
{
    private readonly ClipTextEmbeddings embeddings;
    private readonly ClipEncoder encoder;
    private readonly LayerNorm final_layer_norm;

    /// <summary>Creates the transformer.</summary>
    public ClipTextTransformer(ClipTextConfig config) : base(nameof(ClipTextTransformer))
    {
        embeddings = new ClipTextEmbeddings(config);
        encoder = new ClipEncoder(config);
        final_layer_norm = LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    internal ClipTextEmbeddings Embeddings => embeddings;

    internal ClipEncoder Encoder => encoder;

    internal LayerNorm FinalLayerNorm => final_layer_norm;

    /// <inheritdoc />
    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        return final_layer_norm.call(encoder.call(embeddings.call(inputIds))).MoveToOuterDisposeScope();
    }
}
