namespace DragVideo.ToyWorld;

/// <summary>
/// What the toy world renders. Defaults: 16 frames of 64 × 64 RGB, 1–3 objects, camera pan on. 64² (not 128²) because
/// the embedded toy model is trained on this 2-core CPU within a 3-hour budget: with a 4× VAE that is 16 × 16 latents,
/// where the SD1.5-shaped U-Net is dominated by per-operation overhead, and a 128² world would cost ~4× per step.
/// </summary>
public sealed record ToyWorldOptions
{
    /// <summary>Frame width in pixels; a multiple of 8 in [16, 512]. Default 64.</summary>
    public int Width { get; init; } = 64;

    /// <summary>Frame height in pixels; a multiple of 8 in [16, 512]. Default 64.</summary>
    public int Height { get; init; } = 64;

    /// <summary>Frames per clip in [1, 256]. Default 16.</summary>
    public int Frames { get; init; } = 16;

    /// <summary>Frames per second written into clips. Default 8.</summary>
    public double Fps { get; init; } = 8;

    /// <summary>Fewest objects in a scene (≥ 1). Default 1.</summary>
    public int MinObjects { get; init; } = 1;

    /// <summary>Most objects in a scene (≥ <see cref="MinObjects"/>, ≤ 8). Default 3.</summary>
    public int MaxObjects { get; init; } = 3;

    /// <summary>Whether the background may scroll slowly (a camera pan). Default true.</summary>
    public bool CameraPan { get; init; } = true;

    /// <summary>The default world: 16 × 64 × 64, 1–3 objects.</summary>
    public static ToyWorldOptions Default { get; } = new();

    /// <summary>Checks every setting; throws <see cref="ArgumentOutOfRangeException"/> naming the first bad one.</summary>
    public ToyWorldOptions Validate()
    {
        CheckSize(Width, nameof(Width));
        CheckSize(Height, nameof(Height));
        if (Frames is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(Frames), Frames, "Frames must be in [1, 256].");
        if (!(Fps > 0) || double.IsInfinity(Fps)) throw new ArgumentOutOfRangeException(nameof(Fps), Fps, "Fps must be a finite number > 0.");
        if (MinObjects < 1) throw new ArgumentOutOfRangeException(nameof(MinObjects), MinObjects, "a scene needs at least one object (MinObjects ≥ 1).");
        if (MaxObjects < MinObjects || MaxObjects > 8)
            throw new ArgumentOutOfRangeException(nameof(MaxObjects), MaxObjects, $"MaxObjects must be in [MinObjects = {MinObjects}, 8].");
        return this;
    }

    private static void CheckSize(int value, string name)
    {
        if (value is < 16 or > 512 || value % 8 != 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a multiple of 8 in [16, 512] (the VAE downsamples by 4 and the U-Net by 8 more).");
    }
}
