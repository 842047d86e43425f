using DragVideo.Diffusion.Modules.Attention;
using DragVideo.Diffusion.Modules.Common;
using DragVideo.Diffusion.Modules.Motion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Unet;

/// <summary>
/// The conditional U-Net shared by <see cref="UNet2DConditionModel"/> and <see cref="UNetMotionModel"/>: <c>conv_in</c>,
/// <c>time_proj</c> + <c>time_embedding</c>, <c>down_blocks</c>, <c>mid_block</c>, <c>up_blocks</c>,
/// <c>conv_norm_out</c> + <c>conv_out</c>, with diffusers' parameter names. It runs on images <c>[N, C, H, W]</c> where
/// N = batch × frames; the video model folds frames into N. Attention layers are addressable by path.
/// </summary>
public abstract class UNetConditionModelBase : nn.Module
{
    private readonly Conv2d conv_in;
    private readonly Timesteps time_proj;
    private readonly TimestepEmbedding time_embedding;
    private readonly nn.Module<Tensor, Tensor>? time_embed_act;
    private readonly ModuleList<UNetDownBlock> down_blocks;
    private readonly ModuleList<UNetUpBlock> up_blocks;
    private readonly UNetMidBlock2DCrossAttn? mid_block;
    private readonly GroupNorm conv_norm_out;
    private readonly nn.Module<Tensor, Tensor> conv_act;
    private readonly Conv2d conv_out;

    private readonly int _upsamplers;
    private GradientCheckpointing _checkpointing;
    private int? _sliceSize;
    private List<AttentionLayerInfo> _layerInfos = new();
    private Dictionary<string, AttentionLayer> _layers = new(StringComparer.Ordinal);

    /// <summary>Builds the network from <paramref name="config"/>, with AnimateDiff motion modules when <paramref name="motion"/> is given.</summary>
    private protected UNetConditionModelBase(string name, UNet2DConditionConfig config, MotionAdapterConfig? motion) : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        motion?.ValidateAgainst(config);
        TorchRuntime.EnsureLoaded();
        Config = config;

        var ch = config.BlockOutChannels;
        int levels = ch.Count;
        int tembDim = config.TimeEmbedDim;
        var heads = config.HeadsPerBlock;
        var onlyCross = config.OnlyCrossAttention ?? Enumerable.Repeat(false, levels).ToArray();

        int kIn = config.ConvInKernel, kOut = config.ConvOutKernel;
        conv_in = nn.Conv2d(config.InChannels, ch[0], kernel_size: kIn, stride: 1, padding: (kIn - 1) / 2);
        time_proj = new Timesteps(ch[0], config.FlipSinToCos, config.FreqShift);
        time_embedding = new TimestepEmbedding(ch[0], tembDim, config.ActFn, postActFn: config.TimestepPostAct);
        if (config.TimeEmbeddingActFn is not null) time_embed_act = Activations.Create(config.TimeEmbeddingActFn);

        UNetBlockSettings Settings(int i, double outputScale = 1.0) => new(tembDim, config.NormEps, config.ActFn, config.NormNumGroups,
            config.Dropout, config.ResnetTimeScaleShift, config.CrossAttentionDim[i], heads[i], config.TransformerLayersPerBlock[i],
            config.UseLinearProjection, onlyCross[i], config.UpcastAttention, outputScale);
        MotionModuleOptions? Motion(int groups) => motion is null ? null
            : new MotionModuleOptions(motion.MotionNumAttentionHeads, motion.MotionMaxSeqLength, groups);

        down_blocks = new ModuleList<UNetDownBlock>();
        int outCh = ch[0];
        for (int i = 0; i < levels; i++)
        {
            int inCh = outCh;
            outCh = ch[i];
            bool last = i == levels - 1;
            string path = $"down_blocks.{i}";
            var s = Settings(i);
            bool cross = UNet2DConditionConfig.IsCrossAttnDown(config.DownBlockTypes[i]);
            var m = Motion(config.NormNumGroups);
            UNetDownBlock block = (cross, m) switch
            {
                (true, null) => new CrossAttnDownBlock2D(path, inCh, outCh, config.LayersPerBlock[i], !last, config.DownsamplePadding, s),
                (true, not null) => new CrossAttnDownBlockMotion(path, inCh, outCh, config.LayersPerBlock[i], !last, config.DownsamplePadding, s, m),
                (false, null) => new DownBlock2D(path, inCh, outCh, config.LayersPerBlock[i], !last, config.DownsamplePadding, s),
                (false, not null) => new DownBlockMotion(path, inCh, outCh, config.LayersPerBlock[i], !last, config.DownsamplePadding, s, m),
            };
            down_blocks.Add(block);
        }

        if (config.MidBlockType is not null)
        {
            var s = Settings(levels - 1, config.MidBlockScaleFactor) with { OnlyCrossAttention = false };
            mid_block = motion is { UseMotionMidBlock: true }
                ? new UNetMidBlockCrossAttnMotion("mid_block", ch[levels - 1], s, Motion(config.NormNumGroups)!)
                : new UNetMidBlock2DCrossAttn("mid_block", ch[levels - 1], s);
        }

        up_blocks = new ModuleList<UNetUpBlock>();
        var rev = ch.Reverse().ToArray();
        var revLayers = config.LayersPerBlock.Reverse().ToArray();
        outCh = rev[0];
        for (int i = 0; i < levels; i++)
        {
            bool last = i == levels - 1;
            int prevOut = outCh;
            outCh = rev[i];
            int inCh = rev[Math.Min(i + 1, levels - 1)];
            if (!last) _upsamplers++;
            string path = $"up_blocks.{i}";
            int src = levels - 1 - i;  // per-block settings are given in down-block order
            var s = Settings(src);
            bool cross = UNet2DConditionConfig.IsCrossAttnUp(config.UpBlockTypes[i]);
            UNetUpBlock block = (cross, motion) switch
            {
                (true, null) => new CrossAttnUpBlock2D(path, inCh, prevOut, outCh, revLayers[i] + 1, !last, s),
                (true, not null) => new CrossAttnUpBlockMotion(path, inCh, prevOut, outCh, revLayers[i] + 1, !last, s, Motion(config.NormNumGroups)!),
                (false, null) => new UpBlock2D(path, inCh, prevOut, outCh, revLayers[i] + 1, !last, s),
                // diffusers v0.25.1: UpBlockMotion's temporal GroupNorm keeps its default of 32 groups.
                (false, not null) => new UpBlockMotion(path, inCh, prevOut, outCh, revLayers[i] + 1, !last, s, Motion(32)!),
            };
            up_blocks.Add(block);
        }

        conv_norm_out = Normalization.GroupNorm(config.NormNumGroups, ch[0], config.NormEps);
        conv_act = Activations.Create(config.ActFn);
        conv_out = nn.Conv2d(ch[0], config.OutChannels, kernel_size: kOut, stride: 1, padding: (kOut - 1) / 2);
    }

    /// <summary>The U-Net configuration this model was built from.</summary>
    public UNet2DConditionConfig Config { get; }

    /// <summary>Number of up (decoder) blocks (SD1.5: 4).</summary>
    public int UpBlockCount => up_blocks.Count;

    /// <summary>Latent channels predicted (SD1.5: 4).</summary>
    public int LatentChannels => Config.OutChannels;

    /// <summary>Every attention layer (spatial self, spatial cross, temporal), in forward order.</summary>
    public IReadOnlyList<AttentionLayerInfo> AttentionLayers => _layerInfos;

    /// <summary>Floating-point type of the weights (float32 by default; float16/bfloat16 for GPU use).</summary>
    public ScalarType DType => conv_in.weight!.dtype;

    /// <summary>Device the weights live on.</summary>
    public Device Device => conv_in.weight!.device;

    /// <summary>
    /// Gradient checkpointing of the blocks (default <see cref="GradientCheckpointing.Off"/>). Acts only while gradients
    /// are recorded (drag optimisation, LoRA training); forwards under <c>no_grad</c> are unchanged. Forward hooks of
    /// checkpointed blocks and submodules fire twice per forward + backward: once in the forward (outputs computed without
    /// a graph), once in the recomputation during backward (outputs with a graph). With checkpointing off nothing changes.
    /// </summary>
    public GradientCheckpointing GradientCheckpointing
    {
        get => _checkpointing;
        set
        {
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "unknown gradient checkpointing mode.");
            _checkpointing = value;
        }
    }

    /// <summary>
    /// Queries per chunk in spatial self-attention (<c>attn1</c> of the spatial transformers), or null for none (default).
    /// Only layers whose token count exceeds it are sliced; outputs and gradients equal unsliced attention.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">set to less than 1.</exception>
    public int? AttentionSliceSize
    {
        get => _sliceSize;
        set
        {
            if (value is < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "the attention slice size must be at least 1 query (or null for none).");
            _sliceSize = value;
            foreach (var (info, layer) in _layerInfos.Select(i => (i, _layers[i.Path])))
                if (info.Kind == AttentionKind.SpatialSelf) layer.QuerySliceSize = value;
        }
    }

    /// <summary>Replaces the processor of the attention layer at <paramref name="layerPath"/> (e.g. <c>up_blocks.1.attentions.0.transformer_blocks.0.attn1</c>).</summary>
    /// <exception cref="ArgumentException">no attention layer has that path.</exception>
    public void SetAttentionProcessor(string layerPath, IAttentionProcessor processor)
    {
        ArgumentNullException.ThrowIfNull(processor);
        FindLayer(layerPath).Processor = processor;
    }

    /// <summary>The processor currently set on the attention layer at <paramref name="layerPath"/>.</summary>
    /// <exception cref="ArgumentException">no attention layer has that path.</exception>
    public IAttentionProcessor GetAttentionProcessor(string layerPath) => FindLayer(layerPath).Processor;

    /// <summary>The attention module at <paramref name="layerPath"/> (its projections, for processors and LoRA).</summary>
    /// <exception cref="ArgumentException">no attention layer has that path.</exception>
    public AttentionLayer GetAttentionModule(string layerPath) => FindLayer(layerPath);

    private AttentionLayer FindLayer(string layerPath)
    {
        ArgumentNullException.ThrowIfNull(layerPath);
        if (_layers.TryGetValue(layerPath, out var layer)) return layer;
        throw new ArgumentException($"No attention layer has the path '{layerPath}'. The model has {_layers.Count} attention layers, e.g. '{_layerInfos.FirstOrDefault()?.Path}'.", nameof(layerPath));
    }

    /// <summary>
    /// Finishes construction: registers submodules, names every attention layer by its path, moves the weights to
    /// <paramref name="device"/>/<paramref name="dtype"/> and switches to inference mode. Called last by derived constructors.
    /// </summary>
    private protected void Complete(Device? device, ScalarType dtype)
    {
        RegisterComponents();
        var infos = new List<AttentionLayerInfo>();
        var map = new Dictionary<string, AttentionLayer>(StringComparer.Ordinal);
        var counters = new Dictionary<AttentionKind, int>();
        void Add(UNetPart part, IEnumerable<(string Path, AttentionLayer Layer)> layers)
        {
            foreach (var (path, layer) in layers)
            {
                var kind = layer.Layer.Kind;
                counters.TryGetValue(kind, out int index);
                counters[kind] = index + 1;
                var info = new AttentionLayerInfo(path, kind, index, part);
                layer.Layer = info;
                infos.Add(info);
                map.Add(path, layer);
            }
        }
        foreach (var b in down_blocks) Add(UNetPart.Down, b.AttentionLayers());
        if (mid_block is not null) Add(UNetPart.Mid, mid_block.AttentionLayers());
        foreach (var b in up_blocks) Add(UNetPart.Up, b.AttentionLayers());
        _layerInfos = infos;
        _layers = map;

        if (dtype != ScalarType.Float32 || (device is not null && device.type != DeviceType.CPU))
            this.to(device ?? CPU, dtype);
        eval();
    }

    /// <summary>
    /// The U-Net on folded frames. <paramref name="sample"/> <c>[B·F, C, H, W]</c>, <paramref name="timesteps"/>
    /// <c>[B]</c>, <paramref name="encoderHiddenStates"/> <c>[B, S, D]</c> (repeated per frame here). Runs up to and
    /// including up block <paramref name="stopAfterUpBlock"/> when given (then the returned sample is null) and returns
    /// the outputs of <paramref name="upBlocks"/>. Tensors live in the caller's dispose scope.
    /// </summary>
    private protected (Tensor? Sample, Dictionary<int, Tensor> Features) RunFolded(Tensor sample, Tensor timesteps, Tensor? encoderHiddenStates,
        int frames, bool motionEnabled, int? denoisingStep, IReadOnlyCollection<int>? upBlocks, int? stopAfterUpBlock)
    {
        // Timestep embedding: the sinusoid is float32 (diffusers), then cast to the weights' dtype.
        var tEmb = time_proj.call(timesteps);
        var emb = time_embedding.call(tEmb.to_type(DType));
        if (time_embed_act is not null) emb = time_embed_act.call(emb);
        if (frames > 1)
        {
            emb = emb.repeat_interleave(frames, dim: 0);
            if (encoderHiddenStates is not null) encoderHiddenStates = encoderHiddenStates.repeat_interleave(frames, dim: 0);
        }

        var call = new AttentionCall(denoisingStep, UniformTimestep(timesteps), frames);
        var ctx = new UNetForwardContext(emb, encoderHiddenStates, frames, motionEnabled, call, GradientCheckpointing);
        bool wholeBlocks = GradientCheckpointing == GradientCheckpointing.Blocks && is_grad_enabled();

        bool forwardUpsampleSize = sample.shape[^2] % (1L << _upsamplers) != 0 || sample.shape[^1] % (1L << _upsamplers) != 0;

        var h = Config.CenterInputSample ? sample * 2.0 - 1.0 : sample;
        h = conv_in.call(h);

        // One dispose scope per block: the block's intermediates are freed as soon as it is done (autograd keeps what
        // it needs natively), so peak memory is one block's activations, not the whole network's.
        var skips = new List<Tensor> { h };
        for (int i = 0; i < down_blocks.Count; i++)
        {
            using var blockScope = NewDisposeScope();
            var (next, blockSkips) = wholeBlocks ? CheckpointedDown(down_blocks[i], h, ctx) : down_blocks[i].call(h, ctx);
            h = next;
            skips.AddRange(blockSkips);
            Promote(blockScope, blockSkips.Append(h));
        }

        if (mid_block is not null)
        {
            using var blockScope = NewDisposeScope();
            h = wholeBlocks ? CheckpointedMid(mid_block, h, ctx) : mid_block.call(h, ctx);
            Promote(blockScope, new[] { h });
        }

        var features = new Dictionary<int, Tensor>();
        for (int i = 0; i < up_blocks.Count; i++)
        {
            var block = up_blocks[i];
            int n = block.ResnetCount;
            var blockSkips = skips.GetRange(skips.Count - n, n);
            skips.RemoveRange(skips.Count - n, n);
            long[]? upsampleSize = forwardUpsampleSize && i < up_blocks.Count - 1 ? skips[^1].shape[2..] : null;
            using (var blockScope = NewDisposeScope())
            {
                h = wholeBlocks ? CheckpointedUp(block, h, blockSkips, ctx, upsampleSize) : block.call(h, new UNetUpBlockArgs(blockSkips, ctx, upsampleSize));
                Promote(blockScope, new[] { h });
            }
            foreach (var used in blockSkips) if (!ReferenceEquals(used, h)) used.Dispose();
            if (upBlocks is not null && upBlocks.Contains(i)) features[i] = h;
            if (stopAfterUpBlock == i) return (null, features);
        }

        h = conv_norm_out.call(h);
        h = conv_act.call(h);
        h = conv_out.call(h);
        return (h, features);
    }

    /// <summary>A down block as one checkpoint unit: inputs hidden, time and text embeddings; outputs its skips (the last is its output).</summary>
    private static (Tensor Hidden, List<Tensor> Skips) CheckpointedDown(UNetDownBlock block, Tensor hidden, UNetForwardContext ctx)
    {
        var outputs = GradientCheckpoint.Run(x =>
        {
            var (next, skips) = block.call(x[0]!, ctx.WithEmbeddings(x[1]!, x[2]));
            if (skips.Count == 0 || !ReferenceEquals(next, skips[^1]))
                throw new InvalidOperationException($"{block.BlockPath}: a checkpointed down block must end with its output as the last skip.");
            return skips.ToArray();
        }, hidden, ctx.Temb, ctx.EncoderHiddenStates);
        return (outputs[^1], outputs.ToList());
    }

    /// <summary>The mid block as one checkpoint unit.</summary>
    private static Tensor CheckpointedMid(UNetMidBlock2DCrossAttn block, Tensor hidden, UNetForwardContext ctx)
        => GradientCheckpoint.Run(x => new[] { block.call(x[0]!, ctx.WithEmbeddings(x[1]!, x[2])) },
            hidden, ctx.Temb, ctx.EncoderHiddenStates)[0];

    /// <summary>An up block as one checkpoint unit: inputs hidden, time and text embeddings, then its skips.</summary>
    private static Tensor CheckpointedUp(UNetUpBlock block, Tensor hidden, IReadOnlyList<Tensor> skips, UNetForwardContext ctx, long[]? upsampleSize)
    {
        var inputs = new Tensor?[3 + skips.Count];
        (inputs[0], inputs[1], inputs[2]) = (hidden, ctx.Temb, ctx.EncoderHiddenStates);
        for (int i = 0; i < skips.Count; i++) inputs[3 + i] = skips[i];
        return GradientCheckpoint.Run(x => new[] { block.call(x[0]!, new UNetUpBlockArgs(x.Skip(3).Select(t => t!).ToList(), ctx.WithEmbeddings(x[1]!, x[2]), upsampleSize)) },
            inputs)[0];
    }

    /// <summary>Broadcasts a scalar, <c>[1]</c> or <c>[B]</c> timestep tensor to <c>[B]</c> on <paramref name="device"/> (diffusers' rules).</summary>
    private protected static Tensor NormalizeTimesteps(Tensor timestep, long batch, Device device)
    {
        ArgumentNullException.ThrowIfNull(timestep);
        var t = timestep.dim() == 0 ? timestep.unsqueeze(0) : timestep;
        if (t.dim() != 1 || (t.shape[0] != 1 && t.shape[0] != batch))
            throw new ArgumentException($"timestep must be a scalar, [1] or [{batch}] tensor; got shape [{string.Join(",", timestep.shape)}].", nameof(timestep));
        return t.to(device).expand(batch);
    }

    /// <summary>Checks requested up-block indices and returns the last one.</summary>
    private protected int ValidateUpBlocks(IReadOnlyCollection<int> upBlocks)
    {
        ArgumentNullException.ThrowIfNull(upBlocks);
        if (upBlocks.Count == 0) throw new ArgumentException("Request at least one up block.", nameof(upBlocks));
        foreach (int i in upBlocks)
            if (i < 0 || i >= up_blocks.Count)
                throw new ArgumentOutOfRangeException(nameof(upBlocks), i, $"Up-block index must be in [0, {up_blocks.Count - 1}].");
        return upBlocks.Max();
    }

    /// <summary>Moves the tensors a block hands on from its scope to the enclosing one.</summary>
    private static void Promote(DisposeScope blockScope, IEnumerable<Tensor> keep)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var t in keep)
            if (seen.Add(t) && blockScope.Contains(t)) blockScope.MoveToOuter(t);
    }

    private static long? UniformTimestep(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var t = timesteps.to_type(ScalarType.Float64).cpu();
        double first = t[0].item<double>();
        bool uniform = t.eq(first).all().item<bool>();
        return uniform ? (long)Math.Round(first) : null;
    }
}
