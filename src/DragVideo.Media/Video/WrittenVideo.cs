using System.Globalization;
using System.Text.Json;

namespace DragVideo.Media;

/// <summary>
/// Checks a freshly written video or image before it is moved into place: ffprobe must open it and decode every frame
/// (<c>-count_frames</c>), and the frame count, frame size and duration must be the ones written. ffmpeg can exit 0
/// after failing to write the trailer (for example when the disk is full); this check is what turns that into an error
/// instead of a truncated, unplayable file reported as written.
/// </summary>
public static class WrittenVideo
{
    /// <summary>Throws <see cref="IOException"/> with the reason unless <paramref name="path"/> decodes to the expected frames.</summary>
    /// <param name="path">the written file (typically the temporary file, before the move).</param>
    /// <param name="expectedFrames">frames written.</param>
    /// <param name="width">expected frame width (after any padding the encoder adds).</param>
    /// <param name="height">expected frame height.</param>
    /// <param name="fps">frame rate written, or null to skip the duration check (still images).</param>
    /// <param name="cancellationToken">kills ffprobe.</param>
    /// <exception cref="IOException">the file is missing, empty, not decodable, or its frames, size or duration differ.</exception>
    public static void Verify(string path, int expectedFrames, int width, int height, double? fps, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedFrames, 1);
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
            throw new IOException($"the encoder produced no output for '{path}' (is the disk full?).");
        var args = new[]
        {
            "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=width,height,nb_read_frames:format=duration", "-of", "json", path,
        };
        string stdout;
        int code;
        string errors;
        using (var p = FfmpegTool.Start("ffprobe", args, redirectInput: false, redirectOutput: true, cancellationToken))
        {
            using var reader = new StreamReader(p.Output);
            stdout = reader.ReadToEnd();
            code = p.WaitForExit(cancellationToken);
            errors = p.ErrorTail;
        }
        if (code != 0)
            throw new IOException($"the written file '{path}' cannot be decoded ({MediaProbe.Reason(errors)}); it was not kept (is the disk full?).");
        int frames = 0, w = 0, h = 0;
        double duration = 0;
        try
        {
            using var json = JsonDocument.Parse(stdout);
            if (json.RootElement.TryGetProperty("streams", out var streams) && streams.GetArrayLength() > 0)
            {
                var s = streams[0];
                frames = Int(s, "nb_read_frames");
                w = Int(s, "width");
                h = Int(s, "height");
            }
            if (json.RootElement.TryGetProperty("format", out var f) && f.TryGetProperty("duration", out var d))
                double.TryParse(d.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out duration);
        }
        catch (JsonException e)
        {
            throw new IOException($"the written file '{path}' could not be checked: ffprobe returned unreadable output.", e);
        }
        if (frames != expectedFrames)
            throw new IOException($"the written file '{path}' decodes to {frames} of the {expectedFrames} frames written; it was not kept (is the disk full?).");
        if (w != width || h != height)
            throw new IOException($"the written file '{path}' is {w}×{h}, expected {width}×{height}; it was not kept.");
        if (fps is double rate && rate > 0)
        {
            // Container time bases and GIF's centisecond delays round each frame's duration; a frame and a tenth of slack.
            double expected = expectedFrames / rate;
            if (duration > 0 && Math.Abs(duration - expected) > 1.0 / rate + 0.1 * expected)
                throw new IOException(string.Create(CultureInfo.InvariantCulture,
                    $"the written file '{path}' lasts {duration:0.###} s, expected {expected:0.###} s; it was not kept."));
        }
    }

    private static int Int(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return 0;
        if (v.ValueKind == JsonValueKind.Number) return v.TryGetInt32(out int number) ? number : 0;
        return int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) ? parsed : 0;
    }
}
