using DragVideo.Diffusion.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DragVideo.Diffusion.Modules.Clip;

/// <summary>
/// The CLIP text encoder of Stable Diffusion (transformers <c>CLIPTextModel</c>): keys
/// <c>text_model.embeddings.{token,position}_embedding</c>, <c>text_model.encoder.layers.N.{self_attn.{q,k,v,out}_proj,
/// layer_norm1, mlp.fc1, mlp.fc2, layer_norm2}</c>, <c>text_model.final_layer_norm</c>. Token ids int64 <c>[B, L]</c>
/// (L ≤ 77) → states <c>[B, L, D]</c> in the dtype/device of the parameters. A file's optional
/// <c>text_model.embeddings.position_ids</c> buffer is accepted and ignored (see <see cref="OptionalStateDictKeys"/>).
/// </summary>
public sealed class ClipTextModel : Module<Tensor, Tensor>
{
    /// <summary>Keys a checkpoint may contain that this module does not need (old transformers' persistent buffer).</summary>
    public static IReadOnlyList<string> OptionalStateDictKeys { get; } = new[] { "text_model.embeddings.position_ids" };

    private readonly ClipTextTransformer text_model;

    /// <summary>Builds the model with freshly initialised weights (load real ones with the strict loader).</summary>
    /// <exception cref="ModelLoadException">the configuration is not supported.</exception>
    public ClipTextModel(ClipTextConfig config) : base(nameof(ClipTextModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        TorchRuntime.EnsureLoaded();
        Config = config;
        text_model = new ClipTextTransformer(config);
        RegisterComponents();
    }

    /// <summary>The configuration.</summary>
    public ClipTextConfig Config { get; }

    /// <summary>Width D of the output states (SD1.5: 768; the U-Net's cross-attention width).</summary>
    public int HiddenSize => Config.HiddenSize;

    /// <summary>The last hidden state (after the final LayerNorm) — what Stable Diffusion conditions on.</summary>
    public override Tensor forward(Tensor inputIds)
    {
        using var output = Encode(inputIds);
        return output.LastHiddenState.alias();
    }

    /// <summary>
    /// Encodes token ids <c>[B, L]</c> (int64, L ≤ max positions). With <paramref name="clipSkip"/> = k &gt; 0 the last k
    /// layers are skipped and the output of layer N − k is normalised by <c>final_layer_norm</c> (diffusers'
    /// <c>clip_skip</c>). The pooled state is taken at each row's first end token (at the highest id when the config's
    /// end id is the legacy 2, as transformers does).
    /// </summary>
    /// <param name="inputIds">token ids <c>[B, L]</c>.</param>
    /// <param name="clipSkip">layers to skip at the end, in [0, N − 1].</param>
    /// <param name="outputHiddenStates">also return the embeddings and every computed layer output.</param>
    /// <exception cref="ArgumentException">ids of the wrong rank, dtype or length, or an id outside the vocabulary.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipSkip"/> out of range.</exception>
    public ClipTextOutput Encode(Tensor inputIds, int clipSkip = 0, bool outputHiddenStates = false)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.dim() != 2 || inputIds.dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new ArgumentException($"inputIds must be an int64 [B, L] tensor; got {inputIds.dtype} [{string.Join(",", inputIds.shape)}].", nameof(inputIds));
        if (inputIds.shape[1] < 1 || inputIds.shape[1] > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"Sequence length {inputIds.shape[1]} is outside [1, {Config.MaxPositionEmbeddings}].", nameof(inputIds));
        if (clipSkip < 0 || clipSkip >= Config.NumHiddenLayers)
            throw new ArgumentOutOfRangeException(nameof(clipSkip), clipSkip, $"Must be in [0, {Config.NumHiddenLayers - 1}].");
        long minId = inputIds.min().item<long>(), maxId = inputIds.max().item<long>();
        if (minId < 0 || maxId >= Config.VocabSize)
            throw new ArgumentException($"Token ids must be in [0, {Config.VocabSize}); found [{minId}, {maxId}].", nameof(inputIds));

        using var scope = NewDisposeScope();
        var device = text_model.FinalLayerNorm.weight!.device;
        var ids = inputIds.to_type(ScalarType.Int64).to(device);
        var hidden = text_model.Embeddings.call(ids);
        var states = new List<Tensor>();
        if (outputHiddenStates) states.Add(hidden);
        var layers = text_model.Encoder.Layers;
        for (int i = 0; i < layers.Count - clipSkip; i++)
        {
            hidden = layers[i].call(hidden);
            if (outputHiddenStates) states.Add(hidden);
        }
        var last = text_model.FinalLayerNorm.call(hidden);
        var pooled = PoolAtEnd(last, ids);
        return new ClipTextOutput(last.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope(),
            states.Select(s => s.alias().MoveToOuterDisposeScope()).ToArray());
    }

    /// <summary>
    /// Tokenizes <paramref name="prompts"/> (padded with the end token to the context length) and encodes them without
    /// gradients: the text embedding <c>[B, 77, D]</c> Stable Diffusion's U-Net conditions on.
    /// </summary>
    /// <param name="tokenizer">the model's tokenizer.</param>
    /// <param name="prompts">one prompt per batch item.</param>
    /// <param name="clipSkip">layers to skip (see <see cref="Encode"/>).</param>
    public Tensor EncodePrompts(ClipTokenizer tokenizer, IReadOnlyList<string> prompts, int clipSkip = 0)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(prompts);
        using var noGrad = no_grad();
        using var ids = tokenizer.EncodeBatch(prompts, Config.MaxPositionEmbeddings);
        using var output = Encode(ids, clipSkip);
        return output.LastHiddenState.alias();
    }

    private Tensor PoolAtEnd(Tensor last, Tensor ids)
    {
        Tensor positions;
        if (Config.EosTokenId == 2) positions = ids.argmax(-1);
        else
        {
            // First occurrence of the end token (argmax over a 0/1 mask returns the first maximum).
            var isEos = ids.eq(Config.EosTokenId).to_type(ScalarType.Int32);
            positions = isEos.argmax(-1);
        }
        var rows = arange(ids.shape[0], dtype: ScalarType.Int64, device: ids.device);
        return last.index(new TensorIndex[] { TensorIndex.Tensor(rows), TensorIndex.Tensor(positions) });
    }
}
