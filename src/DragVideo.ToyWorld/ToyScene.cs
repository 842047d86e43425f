using System.Numerics;

namespace DragVideo.ToyWorld;

/// <summary>
/// One moving object. Its centre moves linearly at (<paramref name="Vx"/>, <paramref name="Vy"/>) px/frame and bounces
/// off the frame edges; it turns by <paramref name="AngularVelocity"/> rad/frame and its radius changes by the factor
/// <c>1 + ScaleRate·t</c>. Colours are linear RGB in [0, 1].
/// </summary>
/// <param name="Shape">outline.</param>
/// <param name="X">centre x at frame 0 (px, right).</param>
/// <param name="Y">centre y at frame 0 (px, down).</param>
/// <param name="Vx">x velocity (px/frame).</param>
/// <param name="Vy">y velocity (px/frame).</param>
/// <param name="Radius">radius at frame 0 (px).</param>
/// <param name="Angle">rotation at frame 0 (rad).</param>
/// <param name="AngularVelocity">rotation per frame (rad).</param>
/// <param name="ScaleRate">relative radius change per frame.</param>
/// <param name="ColorA">first colour.</param>
/// <param name="ColorB">second colour.</param>
/// <param name="Texture">surface pattern.</param>
/// <param name="TexturePeriod">pattern period in px.</param>
public sealed record ToyObject(
    ToyShape Shape, float X, float Y, float Vx, float Vy, float Radius, float Angle, float AngularVelocity, float ScaleRate,
    Vector3 ColorA, Vector3 ColorB, ToyTexture Texture, float TexturePeriod);

/// <summary>The background: a gradient between two colours along <paramref name="Direction"/> (rad), an optional pattern,
/// scrolled by (<paramref name="PanX"/>, <paramref name="PanY"/>) px/frame.</summary>
/// <param name="Kind">pattern.</param>
/// <param name="ColorA">colour at one end of the gradient.</param>
/// <param name="ColorB">colour at the other end.</param>
/// <param name="Direction">gradient direction (rad).</param>
/// <param name="Waves">three (kx, ky, phase, amplitude) sinusoids for <see cref="ToyBackgroundKind.Noise"/>/<see cref="ToyBackgroundKind.Stripes"/>.</param>
/// <param name="PanX">scroll per frame in x (px).</param>
/// <param name="PanY">scroll per frame in y (px).</param>
public sealed record ToyBackground(ToyBackgroundKind Kind, Vector3 ColorA, Vector3 ColorB, float Direction,
    IReadOnlyList<Vector4> Waves, float PanX, float PanY);

/// <summary>A complete scene: background and objects in back-to-front order (later objects occlude earlier ones).</summary>
/// <param name="Seed">the seed it was sampled from.</param>
/// <param name="Options">the world's size and length.</param>
/// <param name="Background">background.</param>
/// <param name="Objects">objects, back to front.</param>
public sealed record ToyScene(int Seed, ToyWorldOptions Options, ToyBackground Background, IReadOnlyList<ToyObject> Objects);

/// <summary>
/// A change applied to one object in every frame, the ground truth of a drag: its centre is displaced by
/// (<paramref name="Dx"/>, <paramref name="Dy"/>) px and its radius multiplied by <paramref name="Scale"/>.
/// </summary>
/// <param name="ObjectIndex">index into <see cref="ToyScene.Objects"/>.</param>
/// <param name="Dx">displacement in x (px).</param>
/// <param name="Dy">displacement in y (px).</param>
/// <param name="Scale">radius factor (1 = unchanged).</param>
public sealed record ToyObjectEdit(int ObjectIndex, float Dx, float Dy, float Scale = 1f);

/// <summary>Where an object is in one frame.</summary>
/// <param name="X">centre x (px).</param>
/// <param name="Y">centre y (px).</param>
/// <param name="Radius">radius (px).</param>
/// <param name="Angle">rotation (rad).</param>
public readonly record struct ToyObjectPose(float X, float Y, float Radius, float Angle);
