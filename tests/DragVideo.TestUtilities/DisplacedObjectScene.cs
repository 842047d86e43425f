using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.TestUtilities;

/// <summary>
/// A synthetic scene with a known answer for drag edits that move an object: a textured warm disc glides right over a
/// static textured cool background; <see cref="Render"/> draws it with the disc displaced by any offset, so the ground
/// truth of "drag the disc by d" is <c>Render(d)</c>, with the background the disc uncovers really there. Deterministic.
/// </summary>
public sealed class DisplacedObjectScene
{
    private readonly Tensor _background; // [3, H, W]
    private readonly Tensor _texture;    // [3, D, D] object texture in its own coordinates

    /// <summary>Creates the scene.</summary>
    /// <param name="frames">frame count.</param>
    /// <param name="size">width and height in pixels.</param>
    /// <param name="radius">disc radius in pixels.</param>
    /// <param name="speed">horizontal motion of the disc in pixels per frame.</param>
    /// <param name="seed">texture seed.</param>
    public DisplacedObjectScene(int frames = 12, int size = 128, int radius = 16, float speed = 5f, ulong seed = 7)
    {
        Frames = frames;
        Size = size;
        Radius = radius;
        Speed = speed;
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(seed);
        var noise = Smooth(gen, 3, size, size, 16) * 0.6f + Smooth(gen, 3, size, size, 4) * 0.4f;
        var yy = torch.arange(size, dtype: ScalarType.Float32).reshape(size, 1).expand(size, size);
        var xx = torch.arange(size, dtype: ScalarType.Float32).reshape(1, size).expand(size, size);
        var stripes = ((xx * 0.8f + yy) * (2 * MathF.PI / 11f)).sin() * 0.12f;
        var cool = torch.tensor(new[] { 0.3f, 0.5f, 0.6f }).reshape(3, 1, 1);
        _background = (cool + (noise - 0.5f) * 0.8f + stripes.unsqueeze(0)).clamp(0f, 1f).MoveToOuterDisposeScope();
        int d = 2 * radius + 1;
        var oy = torch.arange(d, dtype: ScalarType.Float32).reshape(d, 1).expand(d, d);
        var ox = torch.arange(d, dtype: ScalarType.Float32).reshape(1, d).expand(d, d);
        var checker = ((ox / 5f).floor() + (oy / 5f).floor()).remainder(2f) * 0.3f - 0.15f;
        var warm = torch.tensor(new[] { 0.85f, 0.45f, 0.2f }).reshape(3, 1, 1);
        _texture = (warm + (Smooth(gen, 3, d, d, 4) - 0.5f) * 0.5f + checker.unsqueeze(0)).clamp(0f, 1f).MoveToOuterDisposeScope();
    }

    /// <summary>Frame count.</summary>
    public int Frames { get; }

    /// <summary>Width and height in pixels.</summary>
    public int Size { get; }

    /// <summary>Disc radius in pixels.</summary>
    public int Radius { get; }

    /// <summary>Horizontal motion of the disc in pixels per frame.</summary>
    public float Speed { get; }

    /// <summary>Centre of the (undisplaced) disc in a frame: the path is centred horizontally, 60 % down the frame.</summary>
    public DragPoint Center(int frame) =>
        new(MathF.Round(Size / 2f - Speed * (Frames - 1) / 2f) + Speed * frame, MathF.Round(Size * 0.6f));

    /// <summary>Where the disc is in a frame when displaced by <paramref name="offset"/> (pixels <c>|p − c| ≤ r</c>).</summary>
    public BinaryMask ObjectMask(int frame, DragPoint offset = default)
    {
        var c = Center(frame) + offset;
        float cx = MathF.Round(c.X), cy = MathF.Round(c.Y);
        return BinaryMask.FromFunction(Size, Size, (x, y) => (x - cx) * (x - cx) + (y - cy) * (y - cy) <= Radius * Radius);
    }

    /// <summary>The clip with the disc displaced by <paramref name="offset"/> (whole pixels), float <c>[F, 3, S, S]</c>.</summary>
    public VideoClip Render(DragPoint offset = default)
    {
        using var scope = NewDisposeScope();
        int d = 2 * Radius + 1;
        var oy = torch.arange(d, dtype: ScalarType.Float32).reshape(d, 1).expand(d, d);
        var ox = torch.arange(d, dtype: ScalarType.Float32).reshape(1, d).expand(d, d);
        var disc = ((ox - Radius).square() + (oy - Radius).square()).le(Radius * Radius);
        var all = new List<Tensor>();
        for (int f = 0; f < Frames; f++)
        {
            var c = Center(f) + offset;
            int x0 = (int)MathF.Round(c.X) - Radius, y0 = (int)MathF.Round(c.Y) - Radius;
            var frame = _background.clone();
            for (int y = 0; y < d; y++)
            {
                int fy = y0 + y;
                if (fy < 0 || fy >= Size) continue;
                int xa = Math.Max(0, x0), xb = Math.Min(Size, x0 + d);
                if (xb <= xa) continue;
                var row = frame[.., fy, xa..xb];
                var texRow = _texture[.., y, (xa - x0)..(xb - x0)];
                row.copy_(torch.where(disc[y, (xa - x0)..(xb - x0)].unsqueeze(0), texRow, row));
            }
            all.Add(frame);
        }
        return new VideoClip(torch.stack(all, 0).MoveToOuterDisposeScope(), 10);
    }

    /// <summary>
    /// The exact per-frame instruction of dragging the disc by <paramref name="offset"/>: handle at the disc centre,
    /// target displaced by the offset, mask = the disc grown by <paramref name="margin"/> px and swept along the drag.
    /// </summary>
    public PropagatedInstruction Instruction(DragPoint offset, int margin = 8)
    {
        var frames = new List<FrameInstruction>();
        for (int f = 0; f < Frames; f++)
        {
            var c = Center(f);
            var pair = new DragPair(c, c + offset);
            frames.Add(new FrameInstruction(f, new[] { pair }, SweptDisc(c, offset, Radius + margin), new[] { true }, new[] { 1f }));
        }
        return new PropagatedInstruction(frames);
    }

    /// <summary>The key-frame request matching <see cref="Instruction"/> (first and last frame).</summary>
    public DragRequest Request(DragPoint offset, int margin = 8)
    {
        var instruction = Instruction(offset, margin);
        return new DragRequest(new[] { 0, Frames - 1 }
            .Select(f => new KeyframeDrag(f, instruction.Frames[f].Pairs, instruction.Frames[f].Mask)).ToArray());
    }

    private BinaryMask SweptDisc(DragPoint c, DragPoint offset, float r) =>
        BinaryMask.FromFunction(Size, Size, (x, y) =>
        {
            for (int s = 0; s <= 16; s++)
            {
                float cx = c.X + offset.X * s / 16f, cy = c.Y + offset.Y * s / 16f;
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) return true;
            }
            return false;
        });

    private static Tensor Smooth(Generator gen, int c, int h, int w, int div)
    {
        var coarse = torch.rand(new long[] { 1, c, Math.Max(2, h / div), Math.Max(2, w / div) }, generator: gen);
        return F.interpolate(coarse, new long[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: true)[0];
    }
}

/// <summary>A propagator that returns a fixed, already known instruction (for scenes whose motion is known exactly).</summary>
public sealed class FixedPropagator : IInstructionPropagator
{
    private readonly PropagatedInstruction _instruction;

    /// <summary>Creates the propagator.</summary>
    public FixedPropagator(PropagatedInstruction instruction) => _instruction = instruction;

    /// <inheritdoc />
    public PropagatedInstruction Propagate(VideoClip clip, DragRequest request, CancellationToken cancellationToken = default) => _instruction;
}
