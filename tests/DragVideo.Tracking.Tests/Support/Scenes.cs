namespace DragVideo.Tracking.Tests.Support;

/// <summary>
/// The ground-truth clips shared by several tests, rendered once per test run (read-only: never modify or dispose).
/// </summary>
internal static class Scenes
{
    private static readonly Lazy<VideoClip> TranslatedLazy = new(() =>
    {
        using var src = TestImages.Load("baboon.jpg", 1024, 1024);
        return SyntheticClips.Render(src, GroundTruth.Size, GroundTruth.Translation());
    });

    private static readonly Lazy<VideoClip> RotatedLazy = new(() =>
    {
        using var src = TestImages.Load("fruits.jpg", 1024, 1024);
        return SyntheticClips.Render(src, GroundTruth.Size, GroundTruth.RotationAndScale());
    });

    /// <summary>baboon.jpg under <see cref="GroundTruth.Translation"/>, 16 × 256².</summary>
    public static VideoClip Translated => TranslatedLazy.Value;

    /// <summary>fruits.jpg under <see cref="GroundTruth.RotationAndScale"/>, 16 × 256².</summary>
    public static VideoClip RotatedAndScaled => RotatedLazy.Value;
}
