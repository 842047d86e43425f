using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld;

/// <summary>
/// A drag task with an exact answer: the <see cref="Original"/> clip, the <see cref="GroundTruth"/> clip (the same scene
/// re-rendered with one object displaced — and for some, enlarged — in every frame), and the <see cref="Request"/> a user
/// would make for it: handles on the object on key frames, targets at its displaced position, and an editable mask
/// covering the object and its destination. Owns both clips: dispose it to free them.
/// </summary>
public sealed class ToyDragScenario : IDisposable
{
    private readonly BinaryMask[] _editableMasks;

    private ToyDragScenario(ToyScene scene, ToyObjectEdit edit, IReadOnlyList<int> keyframes, DragRequest request, BinaryMask[] editableMasks,
        VideoClip original, VideoClip groundTruth)
    {
        Scene = scene;
        Edit = edit;
        Keyframes = keyframes;
        Request = request;
        _editableMasks = editableMasks;
        Original = original;
        GroundTruth = groundTruth;
    }

    /// <summary>The scene (seed, objects, background).</summary>
    public ToyScene Scene { get; }

    /// <summary>The change the ground truth applies: which object, by how much.</summary>
    public ToyObjectEdit Edit { get; }

    /// <summary>The frames the request places drags on.</summary>
    public IReadOnlyList<int> Keyframes { get; }

    /// <summary>The drag request (pixel coordinates of the 64² frame; masks on the key frames).</summary>
    public DragRequest Request { get; }

    /// <summary>The clip before editing, float32 <c>[F, 3, H, W]</c> in [0, 1].</summary>
    public VideoClip Original { get; }

    /// <summary>The exact edited clip, float32 <c>[F, 3, H, W]</c> in [0, 1].</summary>
    public VideoClip GroundTruth { get; }

    /// <summary>Whether the edit enlarges the object as well as moving it.</summary>
    public bool Scales => Edit.Scale != 1f;

    /// <summary>Length of the drag in pixels.</summary>
    public float DragLength => MathF.Sqrt(Edit.Dx * Edit.Dx + Edit.Dy * Edit.Dy);

    /// <summary>The region the edit changes in frame <paramref name="frame"/>: the object's old and new outline plus the mask margin.</summary>
    public BinaryMask EditableMask(int frame) => _editableMasks[frame];

    /// <summary>The handle pairs of every frame in pixels (the ground-truth positions of the request's points in each frame).</summary>
    public IReadOnlyList<DragPair> PairsAt(int frame) => PairsFor(Scene, Edit, frame, HandleOffset(Scene, Edit));

    /// <summary>Builds the scenario for <paramref name="seed"/>; equal seeds and options give identical scenarios.</summary>
    /// <exception cref="ArgumentOutOfRangeException">an option is out of range (named).</exception>
    public static ToyDragScenario Create(int seed, ToyScenarioOptions? options = null)
    {
        options = (options ?? ToyScenarioOptions.Default).Validate();
        var world = options.World;
        var scene = ToyWorldGenerator.SampleScene(seed, world);
        var rng = new ToyRandom(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ 0xD1B54A32D192ED03UL));
        int target = scene.Objects.Count - 1; // the front-most object: nothing hides the thing being dragged
        float size = Math.Min(world.Width, world.Height);
        float scale = rng.NextFloat() < options.ScaleFraction ? rng.Range(1.2f, 1.35f) : 1f;
        var edit = ChooseDisplacement(scene, target, scale, size * options.MinDragFraction, size * options.MaxDragFraction, rng);

        int last = world.Frames - 1;
        var keyframes = world.Frames >= 3 && rng.NextFloat() < 0.34f ? new[] { 0, last / 2, last } : new[] { 0, last };
        var masks = new BinaryMask[world.Frames];
        for (int f = 0; f < world.Frames; f++) masks[f] = UnionMask(scene, edit, f, options.MaskMarginPx);
        var offset = HandleOffset(scene, edit);
        var request = new DragRequest(keyframes.Select(k => new KeyframeDrag(k, PairsFor(scene, edit, k, offset), masks[k])).ToArray());
        VideoClip? original = null;
        try
        {
            original = ToyWorldGenerator.RenderClip(scene);
            var truth = ToyWorldGenerator.RenderClip(scene, edit);
            return new ToyDragScenario(scene, edit, keyframes, request, masks, original, truth);
        }
        catch
        {
            original?.Dispose();
            throw;
        }
    }

    /// <summary>Frees both clips.</summary>
    public void Dispose()
    {
        Original.Dispose();
        GroundTruth.Dispose();
    }

    /// <summary>
    /// A drag direction and length that keeps the displaced object inside the frame in every frame (tries 64 random
    /// candidates, then shortens the drag).
    /// </summary>
    private static ToyObjectEdit ChooseDisplacement(ToyScene scene, int target, float scale, float minLength, float maxLength, ToyRandom rng)
    {
        for (int attempt = 0; attempt < 96; attempt++)
        {
            float shrink = attempt < 64 ? 1f : 0.5f;
            float length = rng.Range(minLength, maxLength) * shrink, angle = rng.Range(0, MathF.Tau);
            var edit = new ToyObjectEdit(target, length * MathF.Cos(angle), length * MathF.Sin(angle), scale);
            if (StaysInside(scene, edit)) return edit;
        }
        return new ToyObjectEdit(target, 0.5f * minLength, 0, scale); // a short horizontal drag always fits a ≥ 16-px world
    }

    private static bool StaysInside(ToyScene scene, ToyObjectEdit edit)
    {
        for (int f = 0; f < scene.Options.Frames; f++)
        {
            var p = ToyWorldGenerator.Pose(scene, edit.ObjectIndex, f, edit);
            if (p.X - p.Radius < 1 || p.Y - p.Radius < 1 || p.X + p.Radius > scene.Options.Width - 1 || p.Y + p.Radius > scene.Options.Height - 1)
                return false;
        }
        return true;
    }

    /// <summary>The second handle's offset from the centre in the object's frame (only for scaling edits), as a fraction of the radius.</summary>
    private static (float X, float Y)? HandleOffset(ToyScene scene, ToyObjectEdit edit)
    {
        if (edit.Scale == 1f) return null;
        var rng = new ToyRandom(unchecked((ulong)scene.Seed * 31UL + 7UL));
        float angle = rng.Range(0, MathF.Tau);
        return (0.6f * MathF.Cos(angle), 0.6f * MathF.Sin(angle));
    }

    private static DragPair[] PairsFor(ToyScene scene, ToyObjectEdit edit, int frame, (float X, float Y)? offset)
    {
        var before = ToyWorldGenerator.Pose(scene, edit.ObjectIndex, frame);
        var after = ToyWorldGenerator.Pose(scene, edit.ObjectIndex, frame, edit);
        var centre = new DragPair(Point(before.X, before.Y), Point(after.X, after.Y));
        if (offset is not { } o) return new[] { centre };
        // A point on the body, rotating with it, whose target is where the enlarged body carries it.
        float c = MathF.Cos(before.Angle), s = MathF.Sin(before.Angle);
        float wx = c * o.X - s * o.Y, wy = s * o.X + c * o.Y;
        var rim = new DragPair(
            Point(before.X + wx * before.Radius, before.Y + wy * before.Radius),
            Point(after.X + wx * after.Radius, after.Y + wy * after.Radius));
        return new[] { centre, rim };
    }

    /// <summary>Scene coordinates (pixel centres at +0.5) to the SDK's (pixel centres on integers).</summary>
    private static DragPoint Point(float x, float y) => new(x - 0.5f, y - 0.5f);

    private static BinaryMask UnionMask(ToyScene scene, ToyObjectEdit edit, int frame, int margin)
    {
        int w = scene.Options.Width, h = scene.Options.Height;
        var before = ToyWorldGenerator.ObjectCoverage(scene, edit.ObjectIndex, frame);
        var after = ToyWorldGenerator.ObjectCoverage(scene, edit.ObjectIndex, frame, edit);
        var inside = new bool[w * h];
        for (int i = 0; i < inside.Length; i++) inside[i] = before[i] > 0 || after[i] > 0;
        if (margin == 0) return new BinaryMask(w, h, inside);
        // Square dilation by the margin.
        var grown = new bool[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                if (!inside[y * w + x]) continue;
                for (int yy = Math.Max(0, y - margin); yy <= Math.Min(h - 1, y + margin); yy++)
                    for (int xx = Math.Max(0, x - margin); xx <= Math.Min(w - 1, x + margin); xx++)
                        grown[yy * w + xx] = true;
            }
        return new BinaryMask(w, h, grown);
    }
}
