using DragVideo.Diffusion.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Lora;

/// <summary>
/// A set of LoRA adapters for the attention layers of one <see cref="IVideoDiffusionBackbone"/>. Adapters plug in as
/// <see cref="LoraAttentionProcessor"/> decorators around the layers' current processors (<see cref="Attach"/>), so the
/// backbone's own weights and state-dict keys are never changed; <see cref="Detach"/> restores the previous processors.
/// </summary>
public sealed class LoraNetwork : IDisposable
{
    private readonly IVideoDiffusionBackbone _backbone;
    private readonly Dictionary<string, LoraLayerAdapters> _layers;
    private readonly Dictionary<string, IAttentionProcessor> _replaced = new(StringComparer.Ordinal);
    private double _scale = 1.0;

    private LoraNetwork(IVideoDiffusionBackbone backbone, Dictionary<string, LoraLayerAdapters> layers, int rank, double alpha)
    {
        _backbone = backbone;
        _layers = layers;
        Rank = rank;
        Alpha = alpha;
    }

    /// <summary>Rank r of the adapters.</summary>
    public int Rank { get; }

    /// <summary>PEFT <c>lora_alpha</c>; updates are scaled by <c>Alpha / Rank</c>.</summary>
    public double Alpha { get; }

    /// <summary>
    /// The LoRA scale (diffusers' <c>cross_attention_kwargs={"scale": s}</c>): a user multiplier on top of
    /// <c>Alpha / Rank</c>. 0 disables the adapters exactly; 1 is the trained strength.
    /// </summary>
    public double Scale
    {
        get => _scale;
        set
        {
            if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "LoRA scale must be finite.");
            _scale = value;
        }
    }

    /// <summary>The factor applied to every B·A·x: <c>Scale · Alpha / Rank</c>.</summary>
    public double EffectiveScale => _scale * Alpha / Rank;

    /// <summary>Adapters by attention-layer path.</summary>
    public IReadOnlyDictionary<string, LoraLayerAdapters> Layers => _layers;

    /// <summary>True while the adapters are installed in the backbone.</summary>
    public bool IsAttached => _replaced.Count > 0;

    /// <summary>Number of trainable scalars.</summary>
    public long ParameterCount => Parameters().Sum(p => p.numel());

    /// <summary>
    /// Creates fresh adapters (B = 0, so the network starts as a no-op) for the layers of <paramref name="backbone"/>
    /// selected by <paramref name="config"/>. The backbone must be a TorchSharp module whose attention layers keep
    /// diffusers' projection parameters (<c>{path}.to_q.weight</c> …), as <c>UNetMotionModel</c> does; the adapter sizes
    /// are read from them. Adapters get the device of those weights and their dtype, except that a float16/bfloat16 network gets float32 adapters (master weights).
    /// </summary>
    /// <exception cref="ArgumentException">the backbone is not a module, no layer is selected, or a projection weight is missing.</exception>
    public static LoraNetwork Create(IVideoDiffusionBackbone backbone, LoraConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        config ??= new LoraConfig();
        config.Validate();
        var weights = ProjectionWeights(backbone);
        using var generator = new Generator((ulong)config.Seed);
        var layers = new Dictionary<string, LoraLayerAdapters>(StringComparer.Ordinal);
        var byProjection = new Dictionary<LoraProjection, LoraAdapter>();
        try
        {
            foreach (var layer in backbone.AttentionLayers.Where(config.Selects))
            {
                foreach (var projection in config.Projections)
                {
                    string name = $"{layer.Path}.{projection.StateDictName()}.weight";
                    if (!weights.TryGetValue(name, out var w))
                        throw new ArgumentException($"the backbone has no parameter '{name}' to put a LoRA adapter on.", nameof(backbone));
                    // Half-precision policy: adapters of a float16/bfloat16 network keep float32 master weights.
                    var dtype = PrecisionPolicy.IsHalf(w.dtype) ? ScalarType.Float32 : w.dtype;
                    byProjection[projection] = new LoraAdapter(w.shape[1], w.shape[0], config.Rank, generator, dtype, w.device, config.Initialization);
                }
                layers[layer.Path] = new LoraLayerAdapters(layer, byProjection);
                byProjection.Clear(); // the layer's set owns them now
            }
        }
        catch
        {
            foreach (var a in byProjection.Values) a.Dispose(); // adapters of a layer left unfinished
            foreach (var l in layers.Values) l.Dispose();
            throw;
        }
        if (layers.Count == 0)
            throw new ArgumentException("the LoRA configuration selects no attention layer of this backbone.", nameof(config));
        return new LoraNetwork(backbone, layers, config.Rank, config.EffectiveAlpha);
    }

    /// <summary>
    /// Creates adapters shaped like the tensors of <paramref name="stateDict"/> (any naming <see cref="LoraKeyNames"/>
    /// accepts) and loads them strictly. <paramref name="alpha"/> null means alpha = rank.
    /// </summary>
    /// <exception cref="ModelLoadException">a key names no attention layer of the backbone, A/B are unpaired, or ranks differ.</exception>
    public static LoraNetwork FromStateDict(IVideoDiffusionBackbone backbone, IReadOnlyDictionary<string, Tensor> stateDict,
        double? alpha = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(stateDict);
        var known = backbone.AttentionLayers.ToDictionary(l => l.Path, StringComparer.Ordinal);
        var unexpected = new List<string>();
        var plan = new Dictionary<string, SortedSet<LoraProjection>>(StringComparer.Ordinal);
        var ranks = new SortedSet<long>();
        foreach (var (key, tensor) in stateDict)
        {
            if (!LoraKeyNames.TryParse(key, out var parsed) || !known.ContainsKey(parsed.LayerPath)) { unexpected.Add(key); continue; }
            if (!plan.TryGetValue(parsed.LayerPath, out var set)) plan[parsed.LayerPath] = set = new SortedSet<LoraProjection>();
            set.Add(parsed.Projection);
            if (tensor.dim() == 2) ranks.Add(parsed.IsDown ? tensor.shape[0] : tensor.shape[1]);
        }
        if (unexpected.Count > 0)
            throw new ModelLoadException($"{unexpected.Count} tensor(s) are not LoRA weights of this backbone's attention layers.", source,
                unexpectedKeys: unexpected);
        if (plan.Count == 0) throw new ModelLoadException("the LoRA file holds no adapter weights.", source);
        if (ranks.Count != 1)
            throw new ModelLoadException($"LoRA adapters must share one rank; found {string.Join(", ", ranks)}.", source);
        int rank = checked((int)ranks.Min);
        var weights = ProjectionWeights(backbone);
        var layers = new Dictionary<string, LoraLayerAdapters>(StringComparer.Ordinal);
        foreach (var (path, projections) in plan)
        {
            var byProjection = new Dictionary<LoraProjection, LoraAdapter>();
            foreach (var projection in projections)
            {
                string name = $"{path}.{projection.StateDictName()}";
                if (!weights.TryGetValue($"{name}.weight", out var w))
                {
                    foreach (var l in layers.Values) l.Dispose();
                    foreach (var a in byProjection.Values) a.Dispose();
                    throw new ModelLoadException($"the backbone has no projection '{name}' for a LoRA adapter.", source);
                }
                byProjection[projection] = new LoraAdapter(w.shape[1], w.shape[0], rank, null,
                    PrecisionPolicy.IsHalf(w.dtype) ? ScalarType.Float32 : w.dtype, w.device);
            }
            layers[path] = new LoraLayerAdapters(known[path], byProjection);
        }
        var network = new LoraNetwork(backbone, layers, rank, alpha ?? rank);
        try
        {
            network.LoadStateDict(stateDict, source);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return network;
    }

    /// <summary>Every trainable parameter (A and B of every adapter).</summary>
    public IEnumerable<Parameter> Parameters() => _layers.Values.SelectMany(l => l.Parameters());

    /// <summary>
    /// Installs the adapters: each selected layer's current processor is wrapped in a <see cref="LoraAttentionProcessor"/>.
    /// Idempotent.
    /// </summary>
    public void Attach()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsAttached) return;
        foreach (var (path, adapters) in _layers)
        {
            var current = _backbone.GetAttentionProcessor(path);
            _replaced[path] = current;
            _backbone.SetAttentionProcessor(path, new LoraAttentionProcessor(current, adapters, this));
        }
    }

    /// <summary>
    /// Removes the adapters. A layer whose processor is still a LoRA decorator of this network gets that decorator's
    /// inner processor back (so processors installed inside it meanwhile are kept); otherwise the layer is left alone.
    /// </summary>
    public void Detach()
    {
        foreach (var path in _replaced.Keys.ToList())
        {
            var current = _backbone.GetAttentionProcessor(path);
            if (current is LoraAttentionProcessor lp && ReferenceEquals(lp.Adapters, _layers[path]))
                _backbone.SetAttentionProcessor(path, lp.Inner);
            _replaced.Remove(path);
        }
    }

    /// <summary>
    /// The adapter weights under diffusers/PEFT names (<see cref="LoraKeyNames.Down"/>, <see cref="LoraKeyNames.Up"/>),
    /// as detached CPU copies the caller owns.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (path, layer) in _layers)
            foreach (var (projection, adapter) in layer.Projections)
            {
                result[LoraKeyNames.Down(path, projection)] = adapter.Down.detach().to(CPU).clone();
                result[LoraKeyNames.Up(path, projection)] = adapter.Up.detach().to(CPU).clone();
            }
        return result;
    }

    /// <summary>
    /// Copies weights into the adapters. Strict: every adapter matrix must be present, every key must name one, and
    /// shapes must match; dtype and device are converted to the adapters'.
    /// </summary>
    /// <exception cref="ModelLoadException">listing missing, unexpected and mis-shaped keys.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var targets = new Dictionary<(string, LoraProjection, bool), Parameter>();
        foreach (var (path, layer) in _layers)
            foreach (var (projection, adapter) in layer.Projections)
            {
                targets[(path, projection, true)] = adapter.Down;
                targets[(path, projection, false)] = adapter.Up;
            }
        var unexpected = new List<string>();
        var mismatched = new List<string>();
        var assign = new List<(Parameter, Tensor)>();
        var seen = new HashSet<(string, LoraProjection, bool)>();
        foreach (var (key, tensor) in stateDict)
        {
            if (!LoraKeyNames.TryParse(key, out var p) || !targets.TryGetValue((p.LayerPath, p.Projection, p.IsDown), out var target))
            {
                unexpected.Add(key);
                continue;
            }
            if (!seen.Add((p.LayerPath, p.Projection, p.IsDown)))
            {
                unexpected.Add($"{key} (duplicate)");
                continue;
            }
            if (!tensor.shape.SequenceEqual(target.shape))
            {
                mismatched.Add($"{key}: file [{string.Join(", ", tensor.shape)}] vs adapter [{string.Join(", ", target.shape)}]");
                continue;
            }
            assign.Add((target, tensor));
        }
        var missing = targets.Keys.Where(k => !seen.Contains(k))
            .Select(k => k.Item3 ? LoraKeyNames.Down(k.Item1, k.Item2) : LoraKeyNames.Up(k.Item1, k.Item2)).ToList();
        if (unexpected.Count > 0 || mismatched.Count > 0 || missing.Count > 0)
            throw new ModelLoadException(
                $"LoRA weights do not match the adapters: {missing.Count} missing, {unexpected.Count} unexpected, {mismatched.Count} mis-shaped.",
                source, missingKeys: missing, unexpectedKeys: unexpected, mismatchedKeys: mismatched);
        using (no_grad())
            foreach (var (target, tensor) in assign)
            {
                using var converted = tensor.to(target.dtype, target.device);
                target.copy_(converted);
            }
    }

    private static Dictionary<string, Tensor> ProjectionWeights(IVideoDiffusionBackbone backbone)
    {
        if (backbone is not nn.Module module)
            throw new ArgumentException(
                $"LoRA needs a TorchSharp module backbone with diffusers-named attention projections; got {backbone.GetType().Name}.",
                nameof(backbone));
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in module.named_parameters())
            if (name.EndsWith(".weight", StringComparison.Ordinal)) result[name] = p;
        return result;
    }

    private bool _disposed;

    /// <summary>Detaches (when attached) and frees the adapter tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        Detach();
        foreach (var l in _layers.Values) l.Dispose();
        _layers.Clear();
        _disposed = true;
    }
}
