using System.Globalization;

namespace DragVideo.Media;

/// <summary>
/// Decodes any video ffmpeg can read into a <see cref="VideoClip"/> (<c>[F, 3, H, W]</c> float32 in [0, 1] on the CPU),
/// with key-frame sampling, a start time, a frame limit and sizing to a multiple of 8 (see <see cref="VideoReadOptions"/>).
/// Frames stream through a pipe from ffmpeg as raw RGB; only the kept frames are held in memory. The input is only read.
/// </summary>
public static class VideoReader
{
    /// <summary>Reads <paramref name="path"/> with <paramref name="options"/> (default: the paper's kps 6, ≤ 24 frames, sizes a multiple of 8).</summary>
    /// <exception cref="FileNotFoundException">the file does not exist.</exception>
    /// <exception cref="InvalidMediaException">the file is empty, corrupt or not a video, or no frame lies after the start time.</exception>
    /// <exception cref="MediaToolMissingException">ffmpeg/ffprobe is not installed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">an option is out of range.</exception>
    /// <exception cref="MemoryBudgetExceededException">the decoded clip would need more than <see cref="VideoReadOptions.MaxDecodedBytes"/>
    /// (checked before decoding from the container's frame count, and again as frames arrive).</exception>
    public static VideoClip Read(string path, VideoReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new VideoReadOptions();
        options.Validate();
        var info = MediaProbe.Probe(path, cancellationToken);
        var estimate = DecodeEstimate.For(info, options);
        CheckBudget(estimate, estimate.ExpectedFrames, options, path);
        var geometry = FrameGeometry.Plan(info.Width, info.Height, options);
        var sampler = new KeyframeSampler(info.Fps, options.Kps, options.MaxFrames);

        var args = new List<string> { "-hide_banner", "-loglevel", "error", "-nostdin" };
        if (options.StartSeconds > 0) args.AddRange(new[] { "-ss", options.StartSeconds.ToString("R", CultureInfo.InvariantCulture) });
        // ffmpeg drops the frames between key frames before scaling; passthrough keeps it from duplicating frames to
        // fill the gaps. The managed loop below then only counts frames against the limit.
        string filter = sampler.SelectFilter is string select ? select + "," + geometry.Filter(info.Width, info.Height) : geometry.Filter(info.Width, info.Height);
        args.AddRange(new[] { "-i", path, "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", filter, "-fps_mode", "passthrough" });
        if (options.MaxFrames is int max) args.AddRange(new[] { "-frames:v", max.ToString(CultureInfo.InvariantCulture) });
        args.AddRange(new[] { "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1" });

        int frameBytes = checked(geometry.Width * geometry.Height * 3);
        var kept = new List<byte[]>();
        using (var p = FfmpegTool.Start("ffmpeg", args, redirectInput: false, redirectOutput: true, cancellationToken))
        {
            var buffer = new byte[frameBytes];
            while (options.MaxFrames is not int limit || kept.Count < limit)
            {
                int got = ReadFull(p.Output, buffer);
                if (got < frameBytes) break; // end of stream, or a truncated frame when ffmpeg failed (the exit code says why)
                // The container may under-report its frames: the budget is checked again before keeping each one.
                CheckBudget(estimate, kept.Count + 1, options, path);
                kept.Add(buffer);
                buffer = new byte[frameBytes];
            }
            p.Output.CopyTo(Stream.Null);
            int code = p.WaitForExit(cancellationToken);
            if (code != 0) throw new InvalidMediaException($"ffmpeg could not decode the video: {MediaProbe.Reason(p.ErrorTail)}", path);
            cancellationToken.ThrowIfCancellationRequested();
        }
        if (kept.Count == 0)
            throw new InvalidMediaException(string.Create(CultureInfo.InvariantCulture,
                $"no frame was decoded (start {options.StartSeconds} s, duration {info.DurationSeconds:0.###} s)"), path);
        TorchRuntime.EnsureLoaded();
        return VideoClip.FromRgb24(kept, geometry.Width, geometry.Height, sampler.OutputFps);
    }

    private static void CheckBudget(DecodeEstimate estimate, int frames, VideoReadOptions options, string path)
    {
        if (options.MaxDecodedBytes is not long budget) return;
        long need = estimate.DecodeBytes(frames);
        if (need <= budget) return;
        throw new MemoryBudgetExceededException(nameof(VideoReadOptions.MaxDecodedBytes), need, budget, string.Create(CultureInfo.InvariantCulture,
            $"decoding {frames} frames of {estimate.Width}×{estimate.Height} from '{path}' needs {MemoryBudgetExceededException.FormatBytes(need)}, " +
            $"over the decode budget of {MemoryBudgetExceededException.FormatBytes(budget)} ({nameof(VideoReadOptions.MaxDecodedBytes)}); " +
            $"lower the frame size ({nameof(VideoReadOptions.Width)}/{nameof(VideoReadOptions.Height)}) or the frame count ({nameof(VideoReadOptions.MaxFrames)})."));
    }

    /// <summary>Reads until the buffer is full or the stream ends; returns the bytes read (a short count = end of stream).</summary>
    private static int ReadFull(Stream s, byte[] buffer) => s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
}
