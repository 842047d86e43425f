namespace DragVideo.Media;

/// <summary>
/// What <see cref="VideoReader.Read"/> will produce for a file and options, known from <c>ffprobe</c> before anything is
/// decoded: the output frame size, the number of frames the container promises, and the memory the clip will take.
/// Used to refuse a decode that cannot fit before allocating (see <see cref="VideoReadOptions.MaxDecodedBytes"/>).
/// </summary>
/// <param name="Source">the probed source stream.</param>
/// <param name="Width">output frame width.</param>
/// <param name="Height">output frame height.</param>
/// <param name="ExpectedFrames">frames the decode should yield according to the container's frame count, the start
/// time, the key-frame rate and the frame limit (a truncated file yields fewer).</param>
public sealed record DecodeEstimate(VideoInfo Source, int Width, int Height, int ExpectedFrames)
{
    /// <summary>Bytes per decoded frame while reading: the float32 RGB frame (12 bytes a pixel) plus its rgb24 staging copy (3).</summary>
    public long BytesPerFrame => (long)Width * Height * 15;

    /// <summary>Peak bytes of decoding <paramref name="frames"/> frames (staging buffers and the float32 clip).</summary>
    public long DecodeBytes(int frames) => BytesPerFrame * frames;

    /// <summary>Peak bytes of decoding <see cref="ExpectedFrames"/> frames.</summary>
    public long ExpectedDecodeBytes => DecodeBytes(ExpectedFrames);

    /// <summary>Probes <paramref name="path"/> and plans the decode with <paramref name="options"/>; nothing is decoded.</summary>
    /// <exception cref="FileNotFoundException">the file does not exist.</exception>
    /// <exception cref="InvalidMediaException">the file is empty, corrupt or not a video.</exception>
    /// <exception cref="ArgumentOutOfRangeException">an option is out of range.</exception>
    public static DecodeEstimate For(string path, VideoReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new VideoReadOptions();
        options.Validate();
        return For(MediaProbe.Probe(path, cancellationToken), options);
    }

    /// <summary>Plans the decode of an already probed stream.</summary>
    public static DecodeEstimate For(VideoInfo info, VideoReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(options);
        var geometry = FrameGeometry.Plan(info.Width, info.Height, options);
        var sampler = new KeyframeSampler(info.Fps, options.Kps, options.MaxFrames);
        int skipped = (int)Math.Min(int.MaxValue, Math.Floor(options.StartSeconds * info.Fps + 1e-6));
        int remaining = Math.Max(0, info.FrameCount - skipped);
        int limit = options.MaxFrames ?? int.MaxValue;
        int expected = 0;
        while (expected < limit && sampler.SourceIndex(expected) < remaining) expected++;
        return new DecodeEstimate(info, geometry.Width, geometry.Height, expected);
    }
}
