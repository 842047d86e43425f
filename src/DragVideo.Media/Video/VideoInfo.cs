namespace DragVideo.Media;

/// <summary>What <see cref="MediaProbe.Probe"/> found about a file's first video stream.</summary>
/// <param name="Width">frame width in pixels.</param>
/// <param name="Height">frame height in pixels.</param>
/// <param name="Fps">average frame rate (frames per second).</param>
/// <param name="FrameCount">number of frames (from the container, or counted when the container does not say).</param>
/// <param name="DurationSeconds">duration in seconds (from the stream or the container; <c>FrameCount / Fps</c> as a last resort).</param>
/// <param name="Codec">codec name as ffprobe reports it (for example <c>h264</c>).</param>
/// <param name="Container">container format name(s) as ffprobe reports them (for example <c>mov,mp4,m4a,3gp,3g2,mj2</c>).</param>
public sealed record VideoInfo(int Width, int Height, double Fps, int FrameCount, double DurationSeconds, string Codec, string Container);
