namespace DragVideo.Media;

/// <summary>An RGB colour with components in [0, 1].</summary>
/// <param name="R">red.</param>
/// <param name="G">green.</param>
/// <param name="B">blue.</param>
public readonly record struct RgbColor(float R, float G, float B)
{
    /// <summary>Pure red (handle points).</summary>
    public static RgbColor Red => new(1, 0, 0);

    /// <summary>Pure blue (target points).</summary>
    public static RgbColor Blue => new(0, 0, 1);

    /// <summary>White.</summary>
    public static RgbColor White => new(1, 1, 1);

    /// <summary>Yellow (arrows).</summary>
    public static RgbColor Yellow => new(1, 1, 0);
}
