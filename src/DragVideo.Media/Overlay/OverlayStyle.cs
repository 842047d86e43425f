namespace DragVideo.Media;

/// <summary>
/// How <see cref="InstructionOverlay"/> draws an instruction. Defaults follow the paper's preview (Fig. 3): handle points
/// red, targets blue, an arrow between them, the editable mask highlighted.
/// </summary>
public sealed record OverlayStyle
{
    /// <summary>Handle point colour (default red).</summary>
    public RgbColor HandleColor { get; init; } = RgbColor.Red;

    /// <summary>Target point colour (default blue).</summary>
    public RgbColor TargetColor { get; init; } = RgbColor.Blue;

    /// <summary>Arrow colour (default yellow, visible on both dark and bright content).</summary>
    public RgbColor ArrowColor { get; init; } = RgbColor.Yellow;

    /// <summary>Colour of a 1-pixel outline around the arrow so it stays visible on bright or highlighted content (default black; null = none).</summary>
    public RgbColor? ArrowOutlineColor { get; init; } = new RgbColor(0, 0, 0);

    /// <summary>Mask highlight colour blended into the editable region (default white).</summary>
    public RgbColor MaskColor { get; init; } = RgbColor.White;

    /// <summary>Opacity of the mask highlight in [0, 1] (default 0.35; 0 disables it).</summary>
    public float MaskOpacity { get; init; } = 0.35f;

    /// <summary>Radius of the point markers in pixels; null = <c>max(2, round(min(W, H) / 80))</c> (6 px at 512²).</summary>
    public int? PointRadius { get; init; }

    /// <summary>Arrow line thickness in pixels; null = <c>max(1, radius / 3)</c>.</summary>
    public float? ArrowThickness { get; init; }

    /// <summary>Draws handles the tracker marked invisible (occluded/lost) as hollow rings instead of discs (default true).</summary>
    public bool HollowInvisibleHandles { get; init; } = true;

    internal int RadiusFor(int width, int height) => PointRadius ?? Math.Max(2, (int)Math.Round(Math.Min(width, height) / 80.0));

    internal float ThicknessFor(int radius) => ArrowThickness ?? Math.Max(1f, radius / 3f);
}
