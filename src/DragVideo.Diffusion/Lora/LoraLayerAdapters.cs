using System.Diagnostics.CodeAnalysis;
using TorchSharp.Modules;

namespace DragVideo.Diffusion.Lora;

/// <summary>The LoRA adapters of one attention layer, keyed by the projection they adapt.</summary>
public sealed class LoraLayerAdapters : IDisposable
{
    private readonly Dictionary<LoraProjection, LoraAdapter> _byProjection;

    /// <summary>Creates the set for the layer <paramref name="layer"/>.</summary>
    public LoraLayerAdapters(AttentionLayerInfo layer, IReadOnlyDictionary<LoraProjection, LoraAdapter> adapters)
    {
        Layer = layer ?? throw new ArgumentNullException(nameof(layer));
        ArgumentNullException.ThrowIfNull(adapters);
        _byProjection = new Dictionary<LoraProjection, LoraAdapter>(adapters);
    }

    /// <summary>The adapted layer.</summary>
    public AttentionLayerInfo Layer { get; }

    /// <summary>Projection → adapter.</summary>
    public IReadOnlyDictionary<LoraProjection, LoraAdapter> Projections => _byProjection;

    /// <summary>Looks up the adapter of a projection.</summary>
    public bool TryGet(LoraProjection projection, [MaybeNullWhen(false)] out LoraAdapter adapter) =>
        _byProjection.TryGetValue(projection, out adapter);

    /// <summary>All trainable parameters (A and B of every projection).</summary>
    public IEnumerable<Parameter> Parameters() => _byProjection.Values.SelectMany(p => new[] { p.Down, p.Up });

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var p in _byProjection.Values) p.Dispose();
        _byProjection.Clear();
    }
}
