using System.Globalization;

namespace DragVideo.Media;

/// <summary>
/// Encodes a <see cref="VideoClip"/> with ffmpeg: H.264 mp4 (yuv420p), animated GIF, or a PNG sequence. Frames stream
/// to ffmpeg through a pipe as raw RGB. Every output is written to a temporary file in the target folder, checked by
/// decoding it (<see cref="WrittenVideo.Verify"/>: frame count, size, duration) and moved into place only then; on
/// failure or cancellation nothing is left behind and an existing file of that name is untouched.
/// </summary>
public static class VideoWriter
{
    /// <summary>
    /// Writes an H.264 mp4 (yuv420p, playable everywhere) at the clip's frame rate. yuv420p needs even sizes: an odd
    /// width or height gets one black column/row on the right/bottom.
    /// </summary>
    /// <param name="clip">frames <c>[F, 3, H, W]</c> in [0, 1].</param>
    /// <param name="path">output file (any extension; the container is mp4).</param>
    /// <param name="crf">x264 constant rate factor (0 = lossless luma, 18 ≈ visually lossless, 23 = x264 default).</param>
    /// <param name="cancellationToken">kills ffmpeg and removes the partial file.</param>
    /// <exception cref="IOException">ffmpeg failed; the message carries its last error lines.</exception>
    public static void WriteMp4(VideoClip clip, string path, int crf = 18, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentOutOfRangeException.ThrowIfNegative(crf);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(crf, 51);
        Encode(clip, path, Mp4Arguments(clip, crf), (clip.Width + 1) / 2 * 2, (clip.Height + 1) / 2 * 2, cancellationToken);
    }

    /// <summary>ffmpeg output arguments for H.264 yuv420p mp4 (odd sizes padded to even).</summary>
    internal static List<string> Mp4Arguments(VideoClip clip, int crf)
    {
        var output = new List<string>();
        if (clip.Width % 2 != 0 || clip.Height % 2 != 0) output.AddRange(new[] { "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:0:0:black" });
        output.AddRange(new[]
        {
            "-c:v", "libx264", "-preset", "medium", "-crf", crf.ToString(CultureInfo.InvariantCulture),
            "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4",
        });
        return output;
    }

    /// <summary>Writes an endlessly looping animated GIF with a palette computed from the clip (Bayer dithering).</summary>
    /// <exception cref="IOException">ffmpeg failed; the message carries its last error lines.</exception>
    public static void WriteGif(VideoClip clip, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        Encode(clip, path, new[]
        {
            "-filter_complex", "[0:v]split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=bayer:bayer_scale=3",
            "-loop", "0", "-f", "gif",
        }, clip.Width, clip.Height, cancellationToken);
    }

    /// <summary>
    /// Writes one lossless PNG per frame into <paramref name="directory"/> as <c>{prefix}0000.png</c>, <c>{prefix}0001.png</c>, …
    /// (existing files of those names are replaced). Returns the paths in frame order.
    /// </summary>
    /// <exception cref="IOException">ffmpeg failed; no file of the sequence is left behind.</exception>
    public static IReadOnlyList<string> WritePngSequence(VideoClip clip, string directory, string prefix = "frame_", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || prefix.Contains('%'))
            throw new ArgumentException($"prefix '{prefix}' must be a plain file-name prefix.", nameof(prefix));
        string dir = Path.GetFullPath(directory);
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".frames.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            RunEncoder(clip, Path.Combine(temp, "%06d.png"), new[] { "-c:v", "png", "-start_number", "0", "-f", "image2" }, cancellationToken);
            var result = new List<string>();
            for (int i = 0; i < clip.FrameCount; i++)
            {
                string src = Path.Combine(temp, i.ToString("D6", CultureInfo.InvariantCulture) + ".png");
                if (!File.Exists(src)) throw new IOException($"ffmpeg wrote fewer PNG files than the clip's {clip.FrameCount} frames.");
            }
            for (int i = 0; i < clip.FrameCount; i++)
            {
                string dst = Path.Combine(dir, prefix + i.ToString("D4", CultureInfo.InvariantCulture) + ".png");
                File.Move(Path.Combine(temp, i.ToString("D6", CultureInfo.InvariantCulture) + ".png"), dst, overwrite: true);
                result.Add(dst);
            }
            return result;
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static void Encode(VideoClip clip, string path, IEnumerable<string> outputArgs, int width, int height, CancellationToken ct)
    {
        using var output = new OutputFile(path);
        RunEncoder(clip, output.TempPath, outputArgs, ct);
        WrittenVideo.Verify(output.TempPath, clip.FrameCount, width, height, clip.Fps, ct);
        output.Commit();
    }

    /// <summary>Pipes the clip's frames as rgb24 into ffmpeg writing <paramref name="target"/>.</summary>
    internal static void RunEncoder(VideoClip clip, string target, IEnumerable<string> outputArgs, CancellationToken ct)
    {
        var args = new List<string>
        {
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", string.Create(CultureInfo.InvariantCulture, $"{clip.Width}x{clip.Height}"),
            "-r", clip.Fps.ToString("R", CultureInfo.InvariantCulture),
            "-i", "pipe:0",
        };
        args.AddRange(outputArgs);
        args.Add(target);
        using var p = FfmpegTool.Start("ffmpeg", args, redirectInput: true, redirectOutput: false, ct);
        bool pipeBroken = false;
        try
        {
            for (int i = 0; i < clip.FrameCount; i++)
            {
                ct.ThrowIfCancellationRequested();
                byte[] frame = clip.ToRgb24(i);
                p.Input.Write(frame, 0, frame.Length);
            }
            p.Input.Flush();
        }
        catch (IOException)
        {
            pipeBroken = true; // ffmpeg exited early; its exit code and error lines explain why
        }
        finally
        {
            try { p.Input.Close(); } catch (IOException) { pipeBroken = true; }
        }
        int code = p.WaitForExit(ct);
        if (code != 0 || pipeBroken || p.ErrorTail.Contains("No space left on device", StringComparison.Ordinal))
            throw new IOException($"ffmpeg could not write '{target}': {MediaProbe.Reason(p.ErrorTail)}");
    }
}
