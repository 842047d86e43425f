using System.Globalization;
using System.Text.Json;

namespace DragVideo.Media.Streaming;

/// <summary>
/// Probes a source for a streaming full-resolution edit (<see cref="SourceStreamInfo"/>): displayed size, exact rate,
/// pixel format, colour description, rotation, whether the frame rate is variable, and the audio streams.
/// </summary>
public static class StreamingProbe
{
    /// <summary>Packets whose timestamps are checked for a variable frame rate.</summary>
    private const int TimestampPackets = 300;

    /// <summary>Probes <paramref name="path"/>; the file is only read.</summary>
    /// <exception cref="FileNotFoundException">the file does not exist.</exception>
    /// <exception cref="InvalidMediaException">the file is empty, corrupt, or has no video stream.</exception>
    /// <exception cref="MediaToolMissingException">ffprobe is not installed.</exception>
    public static SourceStreamInfo Probe(string path, CancellationToken cancellationToken = default)
    {
        var basic = MediaProbe.Probe(path, cancellationToken); // validates the file and counts frames when needed
        using var json = Run(path, new[] { "-v", "error", "-show_streams", "-show_format", "-of", "json", path }, cancellationToken);
        var streams = json.RootElement.GetProperty("streams");
        JsonElement? video = null;
        var audio = new List<AudioStreamInfo>();
        foreach (var s in streams.EnumerateArray())
        {
            string? type = Str(s, "codec_type");
            if (type == "video" && video is null && !IsAttachedPicture(s)) video = s;
            else if (type == "audio")
            {
                audio.Add(new AudioStreamInfo(Int(s, "index"), Str(s, "codec_name"), Int(s, "channels"),
                    int.TryParse(Str(s, "sample_rate"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int sr) ? sr : 0));
            }
        }
        if (video is not JsonElement v) throw new InvalidMediaException("the file has no video stream", path);

        int rotation = Rotation(v);
        bool swap = rotation % 180 != 0;
        string rRate = Str(v, "r_frame_rate") ?? "0/0";
        string avgRate = Str(v, "avg_frame_rate") ?? "0/0";
        double r = MediaProbe.ParseRate(rRate), avg = MediaProbe.ParseRate(avgRate);
        bool vfr = (r > 0 && avg > 0 && Math.Abs(r - avg) > 0.01 * avg) || UnevenTimestamps(path, cancellationToken);
        string rate = !vfr && r > 0 ? rRate : avg > 0 ? avgRate : rRate;
        string pixFmt = Str(v, "pix_fmt") ?? "unknown";
        string range = Str(v, "color_range") ?? "unknown";
        return new SourceStreamInfo(
            Path.GetFullPath(path),
            swap ? basic.Height : basic.Width,
            swap ? basic.Width : basic.Height,
            rate,
            MediaProbe.ParseRate(rate),
            basic.FrameCount,
            basic.DurationSeconds,
            basic.Codec,
            pixFmt,
            Str(v, "color_space") ?? "unknown",
            range == "pc" || pixFmt.StartsWith("yuvj", StringComparison.Ordinal),
            rotation,
            vfr,
            audio);
    }

    /// <summary>Display rotation in degrees (0/90/180/270) from the display-matrix side data or the legacy rotate tag.</summary>
    internal static int Rotation(JsonElement stream)
    {
        double deg = 0;
        if (stream.TryGetProperty("side_data_list", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var sd in list.EnumerateArray())
                if (sd.TryGetProperty("rotation", out var rot) && rot.ValueKind == JsonValueKind.Number) deg = rot.GetDouble();
        }
        if (deg == 0 && stream.TryGetProperty("tags", out var tags) && tags.TryGetProperty("rotate", out var tag))
            deg = double.TryParse(tag.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double t) ? t : 0;
        int q = (int)Math.Round(deg / 90.0) * 90 % 360;
        return q < 0 ? q + 360 : q;
    }

    /// <summary>
    /// True when the presentation timestamps of the first packets are not evenly spaced (more than 2% of the intervals
    /// deviate from the median interval by more than 10%): a variable frame rate.
    /// </summary>
    private static bool UnevenTimestamps(string path, CancellationToken ct)
    {
        using var p = FfmpegTool.Start("ffprobe", new[]
        {
            "-v", "error", "-select_streams", "v:0", "-read_intervals", string.Create(CultureInfo.InvariantCulture, $"%+#{TimestampPackets}"),
            "-show_entries", "packet=pts_time", "-of", "csv=p=0", path,
        }, redirectInput: false, redirectOutput: true, ct);
        using var reader = new StreamReader(p.Output);
        string text = reader.ReadToEnd();
        p.WaitForExit(ct);
        var pts = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => double.TryParse(s.TrimEnd(','), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN)
            .Where(double.IsFinite).OrderBy(d => d).ToArray();
        return IsUneven(pts);
    }

    /// <summary>The variable-frame-rate test on sorted timestamps (see <see cref="UnevenTimestamps"/>).</summary>
    internal static bool IsUneven(IReadOnlyList<double> sortedTimestamps)
    {
        if (sortedTimestamps.Count < 4) return false;
        var d = new double[sortedTimestamps.Count - 1];
        for (int i = 0; i < d.Length; i++) d[i] = sortedTimestamps[i + 1] - sortedTimestamps[i];
        var sorted = d.OrderBy(x => x).ToArray();
        double median = sorted[sorted.Length / 2];
        if (!(median > 0)) return false;
        int off = d.Count(x => Math.Abs(x - median) > 0.1 * median);
        return off > 0.02 * d.Length;
    }

    private static bool IsAttachedPicture(JsonElement s) =>
        s.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var a) && a.ValueKind == JsonValueKind.Number && a.GetInt32() == 1;

    private static JsonDocument Run(string path, string[] args, CancellationToken ct)
    {
        using var p = FfmpegTool.Start("ffprobe", args, redirectInput: false, redirectOutput: true, ct);
        using var buffer = new MemoryStream();
        p.Output.CopyTo(buffer);
        if (p.WaitForExit(ct) != 0) throw new InvalidMediaException($"not a readable video: {MediaProbe.Reason(p.ErrorTail)}", path);
        try
        {
            return JsonDocument.Parse(buffer.ToArray());
        }
        catch (JsonException e)
        {
            throw new InvalidMediaException("ffprobe returned unreadable output", path, e);
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;

    private static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : 0;
}
