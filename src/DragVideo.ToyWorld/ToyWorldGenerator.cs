using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld;

/// <summary>
/// Samples toy scenes from a seed and renders them. Deterministic: the same seed and options give bit-identical frames
/// on every run. Rendering is analytic (signed distances with a one-pixel soft edge), so a displaced object's ground truth
/// is exact, not resampled. Scene coordinates are continuous image coordinates: pixel (i, j) covers [i, i+1) × [j, j+1),
/// so its centre is (i + 0.5, j + 0.5); <see cref="ToyDragScenario"/> converts to the SDK's <see cref="DragPoint"/>
/// convention (pixel centres on integers) by subtracting 0.5.
/// </summary>
public static class ToyWorldGenerator
{
    /// <summary>Samples a scene: background, 1–3 (by <paramref name="options"/>) objects with motion, texture and depth.</summary>
    /// <param name="seed">any integer; equal seeds give equal scenes.</param>
    /// <param name="options">world size and object count; null = <see cref="ToyWorldOptions.Default"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">an option is out of range (named).</exception>
    public static ToyScene SampleScene(int seed, ToyWorldOptions? options = null)
    {
        options = (options ?? ToyWorldOptions.Default).Validate();
        var rng = new ToyRandom(unchecked((ulong)seed * 0x2545F4914F6CDD1DUL + 0x1234567UL));
        float w = options.Width, h = options.Height, size = MathF.Min(w, h);
        var background = new ToyBackground(
            (ToyBackgroundKind)rng.Int(0, 2), RandomColor(rng, 0.15f, 0.85f), RandomColor(rng, 0.15f, 0.85f), rng.Range(0, MathF.Tau),
            Enumerable.Range(0, 3).Select(_ => new Vector4(rng.Range(-0.25f, 0.25f), rng.Range(-0.25f, 0.25f), rng.Range(0, MathF.Tau), rng.Range(0.03f, 0.09f))).ToArray(),
            options.CameraPan && rng.NextFloat() < 0.5f ? rng.Range(-0.4f, 0.4f) : 0f,
            options.CameraPan && rng.NextFloat() < 0.5f ? rng.Range(-0.4f, 0.4f) : 0f);

        int count = rng.Int(options.MinObjects, options.MaxObjects);
        var objects = new ToyObject[count];
        for (int i = 0; i < count; i++)
        {
            float radius = size * rng.Range(0.09f, 0.17f);
            var a = RandomColor(rng, 0f, 1f);
            // Keep the object distinguishable from the background: push its colour away from the background's mean.
            var bgMean = (background.ColorA + background.ColorB) / 2;
            if (Vector3.Distance(a, bgMean) < 0.45f) a = Vector3.Clamp(bgMean + Vector3.Normalize(a - bgMean + new Vector3(0.31f, -0.27f, 0.19f)) * 0.6f, Vector3.Zero, Vector3.One);
            var b = Vector3.Clamp(a * rng.Range(0.35f, 0.7f) + RandomColor(rng, 0f, 0.4f), Vector3.Zero, Vector3.One);
            float speed = size * rng.Range(0.0f, 0.03f), heading = rng.Range(0, MathF.Tau);
            objects[i] = new ToyObject(
                (ToyShape)rng.Int(0, 4),
                rng.Range(radius, w - radius), rng.Range(radius, h - radius),
                speed * MathF.Cos(heading), speed * MathF.Sin(heading),
                radius, rng.Range(0, MathF.Tau),
                rng.NextFloat() < 0.5f ? rng.Range(-0.06f, 0.06f) : 0f,
                rng.NextFloat() < 0.3f ? rng.Range(-0.01f, 0.01f) : 0f,
                a, b, (ToyTexture)rng.Int(0, 2), rng.Range(0.35f, 0.8f) * radius);
        }
        return new ToyScene(seed, options, background, objects);
    }

    /// <summary>Where object <paramref name="objectIndex"/> is in frame <paramref name="frame"/> (with the edit applied if it targets that object).</summary>
    /// <exception cref="ArgumentOutOfRangeException">object or frame index out of range.</exception>
    public static ToyObjectPose Pose(ToyScene scene, int objectIndex, int frame, ToyObjectEdit? edit = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentOutOfRangeException.ThrowIfNegative(objectIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(objectIndex, scene.Objects.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, scene.Options.Frames);
        var o = scene.Objects[objectIndex];
        float radius = o.Radius * MathF.Max(0.5f, 1 + o.ScaleRate * frame);
        float x = Bounce(o.X + o.Vx * frame, o.Radius, scene.Options.Width - o.Radius);
        float y = Bounce(o.Y + o.Vy * frame, o.Radius, scene.Options.Height - o.Radius);
        float angle = o.Angle + o.AngularVelocity * frame;
        if (edit is not null && edit.ObjectIndex == objectIndex)
            return new ToyObjectPose(x + edit.Dx, y + edit.Dy, radius * edit.Scale, angle);
        return new ToyObjectPose(x, y, radius, angle);
    }

    /// <summary>
    /// Renders one frame into <paramref name="rgb"/>, planar <c>[3, H, W]</c> floats in [0, 1].
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="rgb"/> is not 3·H·W long.</exception>
    public static void RenderFrame(ToyScene scene, int frame, Span<float> rgb, ToyObjectEdit? edit = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        int w = scene.Options.Width, h = scene.Options.Height, plane = w * h;
        if (rgb.Length != 3 * plane) throw new ArgumentException($"rgb must hold 3 × {h} × {w} = {3 * plane} floats; got {rgb.Length}.", nameof(rgb));
        var bg = scene.Background;
        var poses = new ToyObjectPose[scene.Objects.Count];
        for (int i = 0; i < poses.Length; i++) poses[i] = Pose(scene, i, frame, edit);
        for (int py = 0; py < h; py++)
        {
            for (int px = 0; px < w; px++)
            {
                float x = px + 0.5f, y = py + 0.5f;
                var c = Background(bg, x + bg.PanX * frame, y + bg.PanY * frame, w, h);
                for (int i = 0; i < poses.Length; i++)
                {
                    var o = scene.Objects[i];
                    var (lx, ly) = ToLocal(poses[i], x, y);
                    float cover = Coverage(o.Shape, lx, ly, poses[i].Radius);
                    if (cover <= 0) continue;
                    c = Vector3.Lerp(c, Surface(o, lx, ly, poses[i].Radius), cover);
                }
                int at = py * w + px;
                rgb[at] = c.X;
                rgb[plane + at] = c.Y;
                rgb[2 * plane + at] = c.Z;
            }
        }
    }

    /// <summary>Renders every frame as a clip: float32 <c>[F, 3, H, W]</c> in [0, 1] on the CPU, at <see cref="ToyWorldOptions.Fps"/>.</summary>
    public static VideoClip RenderClip(ToyScene scene, ToyObjectEdit? edit = null)
    {
        ArgumentNullException.ThrowIfNull(scene);
        var o = scene.Options;
        int frameSize = 3 * o.Width * o.Height;
        var data = new float[(long)frameSize * o.Frames];
        for (int f = 0; f < o.Frames; f++) RenderFrame(scene, f, data.AsSpan(f * frameSize, frameSize), edit);
        return new VideoClip(torch.tensor(data, new long[] { o.Frames, 3, o.Height, o.Width }), o.Fps);
    }

    /// <summary>
    /// The object's own coverage in one frame, ignoring occlusion: <c>[H·W]</c> row-major in [0, 1] (soft one-pixel edge).
    /// </summary>
    public static float[] ObjectCoverage(ToyScene scene, int objectIndex, int frame, ToyObjectEdit? edit = null)
    {
        var pose = Pose(scene, objectIndex, frame, edit);
        var o = scene.Objects[objectIndex];
        int w = scene.Options.Width, h = scene.Options.Height;
        var cover = new float[w * h];
        for (int py = 0; py < h; py++)
            for (int px = 0; px < w; px++)
            {
                var (lx, ly) = ToLocal(pose, px + 0.5f, py + 0.5f);
                cover[py * w + px] = Coverage(o.Shape, lx, ly, pose.Radius);
            }
        return cover;
    }

    /// <summary>The object's visible coverage in one frame: its own coverage times what the objects in front leave of it.</summary>
    public static float[] VisibleCoverage(ToyScene scene, int objectIndex, int frame, ToyObjectEdit? edit = null)
    {
        var visible = ObjectCoverage(scene, objectIndex, frame, edit);
        for (int front = objectIndex + 1; front < scene.Objects.Count; front++)
        {
            var occluder = ObjectCoverage(scene, front, frame, edit);
            for (int i = 0; i < visible.Length; i++) visible[i] *= 1 - occluder[i];
        }
        return visible;
    }

    private static (float X, float Y) ToLocal(ToyObjectPose pose, float x, float y)
    {
        float dx = x - pose.X, dy = y - pose.Y;
        float c = MathF.Cos(pose.Angle), s = MathF.Sin(pose.Angle);
        return (c * dx + s * dy, -s * dx + c * dy);
    }

    /// <summary>Coverage from the signed distance (px, negative inside) with a one-pixel linear edge.</summary>
    private static float Coverage(ToyShape shape, float x, float y, float r)
        => Math.Clamp(0.5f - SignedDistance(shape, x, y, r), 0f, 1f);

    internal static float SignedDistance(ToyShape shape, float x, float y, float r)
    {
        switch (shape)
        {
            case ToyShape.Disc:
                return MathF.Sqrt(x * x + y * y) - r;
            case ToyShape.Square:
            {
                float half = 0.85f * r, qx = MathF.Abs(x) - half, qy = MathF.Abs(y) - half;
                float outside = MathF.Sqrt(MathF.Max(qx, 0) * MathF.Max(qx, 0) + MathF.Max(qy, 0) * MathF.Max(qy, 0));
                return outside + MathF.Min(MathF.Max(qx, qy), 0);
            }
            case ToyShape.Ellipse:
            {
                // Scaled-circle distance: exact on the axes, a close bound elsewhere, enough for a one-pixel edge.
                float a = r, b = 0.6f * r, k = MathF.Sqrt(x * x / (a * a) + y * y / (b * b));
                return (k - 1) * b;
            }
            case ToyShape.Triangle:
            {
                // Equilateral triangle with circumradius r: the largest of the three edge half-plane distances, edge
                // normals at -90°, 30° and 150°; the inradius of such a triangle is r / 2.
                float d = float.NegativeInfinity;
                for (int e = 0; e < 3; e++)
                {
                    float normal = -MathF.PI / 2 + e * MathF.Tau / 3;
                    d = MathF.Max(d, MathF.Cos(normal) * x + MathF.Sin(normal) * y - r / 2);
                }
                return d;
            }
            case ToyShape.Star:
            {
                float rho = MathF.Sqrt(x * x + y * y), theta = MathF.Atan2(y, x);
                float edge = r * (0.775f + 0.225f * MathF.Cos(5 * theta));
                return (rho - edge) * 0.8f;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown shape.");
        }
    }

    private static Vector3 Surface(ToyObject o, float lx, float ly, float radius)
    {
        float scale = o.TexturePeriod * radius / o.Radius;
        float t = o.Texture switch
        {
            ToyTexture.Gradient => Math.Clamp(0.5f + 0.5f * (lx + 0.6f * ly) / radius, 0f, 1f),
            ToyTexture.Stripes => 0.5f + 0.5f * MathF.Tanh(3 * MathF.Sin(MathF.PI * lx / scale)),
            ToyTexture.Checker => 0.5f + 0.5f * MathF.Tanh(3 * MathF.Sin(MathF.PI * lx / scale) * MathF.Sin(MathF.PI * ly / scale)),
            _ => 0,
        };
        return Vector3.Lerp(o.ColorA, o.ColorB, t);
    }

    private static Vector3 Background(ToyBackground bg, float x, float y, int w, int h)
    {
        float ux = x / w - 0.5f, uy = y / h - 0.5f;
        float t = Math.Clamp(0.5f + MathF.Cos(bg.Direction) * ux + MathF.Sin(bg.Direction) * uy, 0f, 1f);
        var c = Vector3.Lerp(bg.ColorA, bg.ColorB, t);
        switch (bg.Kind)
        {
            case ToyBackgroundKind.Stripes:
            {
                var wave = bg.Waves[0];
                float s = MathF.Sin(x * (0.35f + MathF.Abs(wave.X)) + y * (0.2f + wave.Y) + wave.Z);
                c *= 1 + 2.5f * wave.W * s;
                break;
            }
            case ToyBackgroundKind.Noise:
            {
                float n = 0;
                foreach (var wave in bg.Waves) n += wave.W * MathF.Sin(x * wave.X + y * wave.Y + wave.Z);
                c += new Vector3(n, 0.8f * n, -0.6f * n);
                break;
            }
        }
        return Vector3.Clamp(c, Vector3.Zero, Vector3.One);
    }

    private static float Bounce(float value, float lo, float hi)
    {
        if (hi <= lo) return (lo + hi) / 2;
        float span = hi - lo, u = (value - lo) % (2 * span);
        if (u < 0) u += 2 * span;
        return lo + (u <= span ? u : 2 * span - u);
    }

    private static Vector3 RandomColor(ToyRandom rng, float lo, float hi) => new(rng.Range(lo, hi), rng.Range(lo, hi), rng.Range(lo, hi));
}
