namespace DragVideo.Media.Streaming;

/// <summary>
/// What <see cref="StreamingProbe"/> found about a source for a full-resolution, full-rate edit: the first video stream
/// as it is displayed (rotation applied), its exact frame rate, pixel format and colour description, and its audio.
/// </summary>
/// <param name="Path">the probed file.</param>
/// <param name="Width">displayed frame width in pixels (coded width, swapped with the height for a 90°/270° rotation).</param>
/// <param name="Height">displayed frame height in pixels.</param>
/// <param name="FrameRate">the stream's frame rate as an exact ffmpeg rational (for example <c>30000/1001</c>).</param>
/// <param name="Fps">the same rate as a number.</param>
/// <param name="FrameCountHint">frame count from the container (or counted); the decode is authoritative.</param>
/// <param name="DurationSeconds">duration in seconds.</param>
/// <param name="Codec">video codec name.</param>
/// <param name="PixelFormat">ffmpeg pixel format name of the decoded frames (for example <c>yuv420p</c>).</param>
/// <param name="ColorSpace">ffmpeg colour-space name (<c>bt709</c>, <c>bt470bg</c>, …) or <c>unknown</c>.</param>
/// <param name="FullRange">true when the stream is full-range (JPEG) YUV.</param>
/// <param name="RotationDegrees">display rotation in degrees (0, 90, 180 or 270) from the stream's display matrix or tag.</param>
/// <param name="IsVariableFrameRate">true when the first frames' timestamps are not evenly spaced.</param>
/// <param name="Audio">the audio streams (empty when there is none).</param>
public sealed record SourceStreamInfo(
    string Path,
    int Width,
    int Height,
    string FrameRate,
    double Fps,
    int FrameCountHint,
    double DurationSeconds,
    string Codec,
    string PixelFormat,
    string ColorSpace,
    bool FullRange,
    int RotationDegrees,
    bool IsVariableFrameRate,
    IReadOnlyList<AudioStreamInfo> Audio);

/// <summary>One audio stream of a source.</summary>
/// <param name="Index">stream index in the file.</param>
/// <param name="Codec">codec name, or null when ffprobe could not identify it (the stream is then unreadable).</param>
/// <param name="Channels">channel count (0 when unknown).</param>
/// <param name="SampleRate">sample rate in Hz (0 when unknown).</param>
public sealed record AudioStreamInfo(int Index, string? Codec, int Channels, int SampleRate)
{
    /// <summary>True when ffprobe identified the codec and its parameters.</summary>
    public bool Readable => Codec is not null && Codec != "none" && Channels > 0 && SampleRate > 0;
}
