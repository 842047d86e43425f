using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.FullResolution;

/// <summary>
/// The key-frame fields of an edit and their interpolation to any source frame. Between key frames k and k+1 the field
/// travels with the dragged content (the propagated instruction's anchor moves by m): at fraction α the field is
/// <c>(1 − α)·D_k(p − α·m) + α·D_{k+1}(p + (1 − α)·m)</c> — both neighbours carried to the frame along the motion, then
/// blended — so a drag on a walking person stays on the person between key frames instead of cross-fading between two
/// places. At a key frame the key field is returned exactly.
/// </summary>
internal sealed class FieldTimeline : IDisposable
{
    private readonly KeyframeField[] _keys;
    private readonly bool _residual;
    private readonly bool[] _empty;

    /// <summary>Takes ownership of <paramref name="keys"/> (at least one; distinct source indices; same size).</summary>
    public FieldTimeline(IEnumerable<KeyframeField> keys)
    {
        _keys = keys.OrderBy(k => k.SourceIndex).ToArray();
        if (_keys.Length == 0) throw new ArgumentException("a timeline needs at least one key-frame field.", nameof(keys));
        for (int i = 1; i < _keys.Length; i++)
        {
            if (_keys[i].SourceIndex == _keys[i - 1].SourceIndex)
                throw new ArgumentException($"two key-frame fields for source frame {_keys[i].SourceIndex}.", nameof(keys));
            if (_keys[i].Data.shape[1] != _keys[0].Data.shape[1] || _keys[i].Data.shape[2] != _keys[0].Data.shape[2])
                throw new ArgumentException("key-frame fields differ in size.", nameof(keys));
        }
        _residual = _keys.Any(k => k.HasResidual);
        _empty = _keys.Select(k => k.Data[2].max().item<float>() <= 0).ToArray();
        Height = (int)_keys[0].Data.shape[1];
        Width = (int)_keys[0].Data.shape[2];
    }

    /// <summary>Working width of the fields.</summary>
    public int Width { get; }

    /// <summary>Working height of the fields.</summary>
    public int Height { get; }

    /// <summary>True when the fields carry an appearance residual.</summary>
    public bool HasResidual => _residual;

    /// <summary>The key frames' source indices, in order.</summary>
    public IEnumerable<int> KeySourceIndices => _keys.Select(k => k.SourceIndex);

    /// <summary>
    /// The field of source frame <paramref name="sourceIndex"/>, float <c>[3 or 6, h, w]</c> (a new tensor the caller
    /// owns), or null when nothing in that frame changes (zero weight everywhere). Frames before the first or after the
    /// last key frame take the nearest key field.
    /// </summary>
    public Tensor? FieldAt(int sourceIndex)
    {
        int hi = Array.FindIndex(_keys, k => k.SourceIndex >= sourceIndex);
        if (hi < 0) return Exact(_keys.Length - 1);
        if (_keys[hi].SourceIndex == sourceIndex || hi == 0) return Exact(hi);
        if (_empty[hi - 1] && _empty[hi]) return null;
        var a = _keys[hi - 1];
        var b = _keys[hi];
        float alpha = (sourceIndex - a.SourceIndex) / (float)(b.SourceIndex - a.SourceIndex);
        var anchorA = a.Anchor ?? b.Anchor;
        var anchorB = b.Anchor ?? a.Anchor;
        float mx = anchorA is DragPoint pa && anchorB is DragPoint pb ? pb.X - pa.X : 0;
        float my = anchorA is DragPoint qa && anchorB is DragPoint qb ? qb.Y - qa.Y : 0;
        using var scope = NewDisposeScope();
        var fa = Shift(Channels(a), alpha * mx, alpha * my);
        var fb = Shift(Channels(b), -(1 - alpha) * mx, -(1 - alpha) * my);
        var result = fa * (1 - alpha) + fb * alpha;
        return result.MoveToOuterDisposeScope();
    }

    private Tensor? Exact(int i)
    {
        if (_empty[i]) return null;
        using var scope = NewDisposeScope();
        return Channels(_keys[i]).clone().MoveToOuterDisposeScope();
    }

    /// <summary>The key's data with the timeline's channel count (a missing residual reads as zero).</summary>
    private Tensor Channels(KeyframeField k) =>
        !_residual || k.HasResidual ? k.Data : torch.cat(new[] { k.Data, torch.zeros(3, Height, Width) }, 0);

    /// <summary>The field moved by (dx, dy) working pixels: <c>out(p) = in(p − (dx, dy))</c>; zero where it comes from outside.</summary>
    private Tensor Shift(Tensor field, float dx, float dy)
    {
        if (Math.Abs(dx) < 1e-4f && Math.Abs(dy) < 1e-4f) return field;
        var gx = torch.arange(Width, dtype: ScalarType.Float32).reshape(1, Width).expand(Height, Width) - dx;
        var gy = torch.arange(Height, dtype: ScalarType.Float32).reshape(Height, 1).expand(Height, Width) - dy;
        var grid = torch.stack(new[] { KeyframeField.Normalize(gx, Width), KeyframeField.Normalize(gy, Height) }, 2).unsqueeze(0);
        return F.grid_sample(field.unsqueeze(0), grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: true)[0];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var k in _keys) k.Dispose();
    }
}
