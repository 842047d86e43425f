namespace DragVideo.ToyWorld;

/// <summary>The outline of a toy-world object. Every shape is a signed distance function in the object's own frame.</summary>
public enum ToyShape
{
    /// <summary>A circle of the object's radius.</summary>
    Disc,
    /// <summary>A square whose half side is 0.85 × radius.</summary>
    Square,
    /// <summary>An equilateral triangle inscribed in the radius.</summary>
    Triangle,
    /// <summary>An ellipse with half axes radius × (1, 0.6).</summary>
    Ellipse,
    /// <summary>A five-pointed star between 0.55 and 1 × radius.</summary>
    Star,
}

/// <summary>How an object's surface is coloured; the pattern lives in the object's frame so it moves with the object.</summary>
public enum ToyTexture
{
    /// <summary>A linear gradient between the two colours.</summary>
    Gradient,
    /// <summary>Soft stripes alternating the two colours.</summary>
    Stripes,
    /// <summary>A soft checkerboard of the two colours.</summary>
    Checker,
}

/// <summary>How the background is painted.</summary>
public enum ToyBackgroundKind
{
    /// <summary>A linear gradient between two colours.</summary>
    Gradient,
    /// <summary>A gradient with soft diagonal stripes.</summary>
    Stripes,
    /// <summary>A gradient with smooth value noise (three random sinusoids).</summary>
    Noise,
}
