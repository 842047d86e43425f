using System.Globalization;
using System.Text.Json;

namespace DragVideo.Media;

/// <summary>Reads a video's size, frame rate, frame count and duration with <c>ffprobe</c>.</summary>
public static class MediaProbe
{
    /// <summary>Probes the first video stream of <paramref name="path"/>. The file is only read.</summary>
    /// <exception cref="FileNotFoundException">the file does not exist.</exception>
    /// <exception cref="InvalidMediaException">the file is empty, corrupt, or has no video stream.</exception>
    /// <exception cref="MediaToolMissingException">ffprobe is not installed.</exception>
    public static VideoInfo Probe(string path, CancellationToken cancellationToken = default)
    {
        RequireReadableFile(path);
        using var json = RunProbe(path, new[]
        {
            "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,width,height,avg_frame_rate,r_frame_rate,nb_frames,duration:format=duration,format_name",
            "-of", "json", path,
        }, cancellationToken);
        var root = json.RootElement;
        if (!root.TryGetProperty("streams", out var streams) || streams.GetArrayLength() == 0)
            throw new InvalidMediaException("the file has no video stream", path);
        var s = streams[0];
        int width = s.TryGetProperty("width", out var w) ? w.GetInt32() : 0;
        int height = s.TryGetProperty("height", out var h) ? h.GetInt32() : 0;
        if (width < 1 || height < 1) throw new InvalidMediaException("the video stream has no frame size", path);
        double fps = ParseRate(Str(s, "avg_frame_rate"));
        if (!(fps > 0)) fps = ParseRate(Str(s, "r_frame_rate"));
        if (!(fps > 0)) throw new InvalidMediaException("the video stream has no usable frame rate", path);
        double duration = ParseDouble(Str(s, "duration"));
        if (!(duration > 0) && root.TryGetProperty("format", out var fmt)) duration = ParseDouble(Str(fmt, "duration"));
        string container = root.TryGetProperty("format", out var f2) ? Str(f2, "format_name") ?? "" : "";
        int frames = int.TryParse(Str(s, "nb_frames"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : CountFrames(path, cancellationToken);
        if (frames < 1) throw new InvalidMediaException("the video stream has no frames", path);
        if (!(duration > 0)) duration = frames / fps;
        return new VideoInfo(width, height, fps, frames, duration, Str(s, "codec_name") ?? "unknown", container);
    }

    /// <summary>Throws the SDK's errors for a missing or empty input file.</summary>
    internal static void RequireReadableFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) throw new InvalidMediaException("expected a media file but found a folder", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"media file '{path}' does not exist.", path);
        if (new FileInfo(path).Length == 0) throw new InvalidMediaException("the file is empty", path);
    }

    private static int CountFrames(string path, CancellationToken ct)
    {
        using var json = RunProbe(path, new[]
        {
            "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "json", path,
        }, ct);
        var streams = json.RootElement.GetProperty("streams");
        return streams.GetArrayLength() > 0 && int.TryParse(Str(streams[0], "nb_read_packets"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : 0;
    }

    private static JsonDocument RunProbe(string path, string[] args, CancellationToken ct)
    {
        using var p = FfmpegTool.Start("ffprobe", args, redirectInput: false, redirectOutput: true, ct);
        using var buffer = new MemoryStream();
        p.Output.CopyTo(buffer);
        int code = p.WaitForExit(ct);
        if (code != 0)
            throw new InvalidMediaException($"not a readable video: {Reason(p.ErrorTail.Replace(path + ": ", string.Empty, StringComparison.Ordinal))}", path);
        try
        {
            return JsonDocument.Parse(buffer.ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidMediaException("ffprobe returned unreadable output", path, e);
        }
    }

    internal static string Reason(string errorTail) => string.IsNullOrWhiteSpace(errorTail) ? "ffmpeg reported an error" : errorTail;

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;

    /// <summary>Parses an ffprobe rate such as <c>30000/1001</c>; 0 when unusable.</summary>
    internal static double ParseRate(string? rate)
    {
        if (string.IsNullOrEmpty(rate)) return 0;
        int slash = rate.IndexOf('/');
        if (slash < 0) return ParseDouble(rate);
        double num = ParseDouble(rate[..slash]), den = ParseDouble(rate[(slash + 1)..]);
        return den > 0 ? num / den : 0;
    }

    private static double ParseDouble(string? s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) ? d : 0;
}
