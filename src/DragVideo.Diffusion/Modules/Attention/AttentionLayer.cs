using DragVideo.Diffusion.Modules.Common;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Attention;

/// <summary>
/// diffusers <c>Attention</c> (named <c>AttentionLayer</c> here so it does not clash with its namespace): projections <c>to_q</c>, <c>to_k</c>, <c>to_v</c>, <c>to_out.0</c> (+ dropout
/// <c>to_out.1</c>) and an optional <c>group_norm</c> (VAE). The attention itself is computed by a replaceable
/// <see cref="IAttentionProcessor"/> (default <see cref="ScaledDotProductAttentionProcessor"/>); this module does the
/// framing around it exactly as diffusers' <c>AttnProcessor2_0</c>: 4-D inputs <c>[N, C, H, W]</c> are flattened to
/// <c>[N, H·W, C]</c>, group-normed, attended, reshaped back, the residual added when configured, and the result divided
/// by <c>rescale_output_factor</c>. Sequence inputs are <c>[N, L, C]</c>.
/// </summary>
public sealed class AttentionLayer : nn.Module<Tensor, Tensor?, AttentionCall, Tensor>, IAttentionModule
{
    private readonly Linear to_q;
    private readonly Linear to_k;
    private readonly Linear to_v;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> to_out;
    private readonly GroupNorm? group_norm;

    private readonly bool _residualConnection;
    private readonly double _rescaleOutputFactor;
    private IAttentionProcessor _processor = ScaledDotProductAttentionProcessor.Instance;

    /// <summary>Creates an attention layer.</summary>
    /// <param name="queryDim">channels of the query input.</param>
    /// <param name="kind">what the layer attends over (used for its <see cref="Layer"/> description).</param>
    /// <param name="crossAttentionDim">channels of the key/value input (default <paramref name="queryDim"/>).</param>
    /// <param name="heads">number of heads.</param>
    /// <param name="dimHead">channels per head.</param>
    /// <param name="dropoutP">dropout after the output projection.</param>
    /// <param name="bias">bias on q/k/v.</param>
    /// <param name="upcastAttention">diffusers' upcast flag; scaled-dot-product attention accumulates in float32
    /// internally, so it does not change the computation (as in diffusers' <c>AttnProcessor2_0</c>).</param>
    /// <param name="outBias">bias on <c>to_out.0</c>.</param>
    /// <param name="normNumGroups">groups of the input <c>group_norm</c>, or null for none.</param>
    /// <param name="eps">group-norm epsilon.</param>
    /// <param name="residualConnection">add the input to the output.</param>
    /// <param name="rescaleOutputFactor">divide the output by this.</param>
    public AttentionLayer(int queryDim, AttentionKind kind, int? crossAttentionDim = null, int heads = 8, int dimHead = 64,
        double dropoutP = 0.0, bool bias = false, bool upcastAttention = false, bool outBias = true, int? normNumGroups = null,
        double eps = 1e-5, bool residualConnection = false, double rescaleOutputFactor = 1.0) : base(nameof(AttentionLayer))
    {
        if (heads <= 0) throw new ArgumentOutOfRangeException(nameof(heads), heads, "Attention needs at least one head.");
        if (dimHead <= 0) throw new ArgumentOutOfRangeException(nameof(dimHead), dimHead, "Head dimension must be positive.");
        int inner = dimHead * heads;
        int kvDim = crossAttentionDim ?? queryDim;
        Heads = heads;
        HeadDim = dimHead;
        UpcastAttention = upcastAttention;
        _residualConnection = residualConnection;
        _rescaleOutputFactor = rescaleOutputFactor;
        Layer = new AttentionLayerInfo(string.Empty, kind, -1, default); // placeholder until the U-Net names the layer (Complete)

        to_q = nn.Linear(queryDim, inner, hasBias: bias);
        to_k = nn.Linear(kvDim, inner, hasBias: bias);
        to_v = nn.Linear(kvDim, inner, hasBias: bias);
        to_out = nn.ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(inner, queryDim, hasBias: outBias), nn.Dropout(dropoutP));
        if (normNumGroups is int g) group_norm = Normalization.GroupNorm(g, queryDim, eps);
        RegisterComponents();
    }

    /// <inheritdoc />
    public AttentionLayerInfo Layer { get; internal set; }

    /// <inheritdoc />
    public int Heads { get; }

    /// <summary>Channels per head; the softmax scale is <c>1/√HeadDim</c>.</summary>
    public int HeadDim { get; }

    /// <summary>diffusers' <c>upcast_attention</c> flag, kept for processors that compute attention explicitly.</summary>
    public bool UpcastAttention { get; }

    /// <summary>Queries per attention chunk passed to the processor in <see cref="AttentionContext.QuerySliceSize"/> (null: no slicing).</summary>
    internal int? QuerySliceSize { get; set; }

    /// <summary>The processor computing this layer (default <see cref="ScaledDotProductAttentionProcessor.Instance"/>).</summary>
    public IAttentionProcessor Processor
    {
        get => _processor;
        set => _processor = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <inheritdoc />
    public Tensor ToQuery(Tensor hiddenStates) => to_q.call(hiddenStates);

    /// <inheritdoc />
    public Tensor ToKey(Tensor context) => to_k.call(context);

    /// <inheritdoc />
    public Tensor ToValue(Tensor context) => to_v.call(context);

    /// <inheritdoc />
    public Tensor ToOutput(Tensor attended) => to_out[1].call(to_out[0].call(attended));

    /// <summary>
    /// Runs the layer: <paramref name="hiddenStates"/> <c>[N, L, C]</c> or <c>[N, C, H, W]</c>, attending to
    /// <paramref name="encoderHiddenStates"/> <c>[N, S, C_kv]</c> (cross-attention) or to itself when null. Returns the same
    /// shape as the input.
    /// </summary>
    public override Tensor forward(Tensor hiddenStates, Tensor? encoderHiddenStates, AttentionCall call)
    {
        var residual = hiddenStates;
        bool spatial = hiddenStates.dim() == 4;
        long n = 0, c = 0, height = 0, width = 0;
        var h = hiddenStates;
        if (spatial)
        {
            (n, c, height, width) = (h.shape[0], h.shape[1], h.shape[2], h.shape[3]);
            h = h.view(n, c, height * width).transpose(1, 2);
        }
        if (group_norm is not null)
            h = group_norm.call(h.transpose(1, 2)).transpose(1, 2);

        var context = new AttentionContext(Layer, call.DenoisingStep, call.Timestep, call.Frames == 0 ? 1 : call.Frames)
        {
            QuerySliceSize = QuerySliceSize,
        };
        var output = _processor.Process(this, h, encoderHiddenStates, context);

        if (spatial)
            output = output.transpose(-1, -2).reshape(n, c, height, width);
        if (_residualConnection)
            output = output + residual;
        if (_rescaleOutputFactor != 1.0)
            output = output / _rescaleOutputFactor;
        return output;
    }
}
