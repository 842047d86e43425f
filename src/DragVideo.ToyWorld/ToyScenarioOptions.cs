namespace DragVideo.ToyWorld;

/// <summary>How drag scenarios are drawn from the toy world.</summary>
public sealed record ToyScenarioOptions
{
    /// <summary>The world (size, length, objects). Default <see cref="ToyWorldOptions.Default"/>.</summary>
    public ToyWorldOptions World { get; init; } = ToyWorldOptions.Default;

    /// <summary>Shortest drag as a fraction of the frame's smaller side. Default 0.1 (6.4 px at 64²).</summary>
    public float MinDragFraction { get; init; } = 0.1f;

    /// <summary>Longest drag as a fraction of the frame's smaller side. Default 0.18 (11.5 px at 64²).</summary>
    public float MaxDragFraction { get; init; } = 0.18f;

    /// <summary>Share of scenarios that also enlarge the object (a second handle pair carries the scale). Default 0.3.</summary>
    public float ScaleFraction { get; init; } = 0.3f;

    /// <summary>Pixels added around the union of the object's old and new outline for the editable mask. Default 3.</summary>
    public int MaskMarginPx { get; init; } = 3;

    /// <summary>The default scenario settings.</summary>
    public static ToyScenarioOptions Default { get; } = new();

    /// <summary>Checks every setting; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    public ToyScenarioOptions Validate()
    {
        ArgumentNullException.ThrowIfNull(World);
        World.Validate();
        if (World.Frames < 2) throw new ArgumentOutOfRangeException(nameof(World), World.Frames, "a drag scenario needs at least 2 frames (World.Frames ≥ 2).");
        if (!(MinDragFraction > 0) || MinDragFraction > 0.4f)
            throw new ArgumentOutOfRangeException(nameof(MinDragFraction), MinDragFraction, "MinDragFraction must be in (0, 0.4].");
        if (!(MaxDragFraction >= MinDragFraction) || MaxDragFraction > 0.4f)
            throw new ArgumentOutOfRangeException(nameof(MaxDragFraction), MaxDragFraction, "MaxDragFraction must be in [MinDragFraction, 0.4].");
        if (!(ScaleFraction >= 0 && ScaleFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(ScaleFraction), ScaleFraction, "ScaleFraction must be in [0, 1].");
        if (MaskMarginPx is < 0 or > 32) throw new ArgumentOutOfRangeException(nameof(MaskMarginPx), MaskMarginPx, "MaskMarginPx must be in [0, 32].");
        return this;
    }
}
