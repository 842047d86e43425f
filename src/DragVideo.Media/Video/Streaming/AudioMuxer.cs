using System.Globalization;

namespace DragVideo.Media.Streaming;

/// <summary>What happened to the source's audio in a full-resolution edit.</summary>
public enum AudioOutcome
{
    /// <summary>The source has no audio stream.</summary>
    NoAudio,
    /// <summary>Every audio stream was copied bit for bit.</summary>
    Copied,
    /// <summary>At least one audio stream was re-encoded to AAC because the output container cannot hold its codec.</summary>
    Transcoded,
    /// <summary>The source has audio that could not be read or muxed; the output has the edited video only.</summary>
    Dropped,
}

/// <summary>
/// Adds the source's audio streams to an encoded video-only file (a stream-copy pass, so it costs seconds even for a long
/// clip). A codec the container cannot hold is re-encoded to AAC; audio that cannot be read at all is left out and
/// reported, and the edited video is kept.
/// </summary>
public static class AudioMuxer
{
    private static readonly HashSet<string> Mp4Codecs = new(StringComparer.Ordinal) { "aac", "mp3", "ac3", "eac3", "alac", "opus", "flac" };

    /// <summary>The ffmpeg muxer for an output path's extension (<c>.mp4</c>/<c>.m4v</c>, <c>.mov</c>, <c>.mkv</c>).</summary>
    /// <exception cref="ArgumentException">another extension.</exception>
    public static string ContainerFor(string path)
    {
        string ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".mp4" or ".m4v" => "mp4",
            ".mov" => "mov",
            ".mkv" => "matroska",
            _ => throw new ArgumentException($"the output '{path}' must end in .mp4, .m4v, .mov or .mkv for a full-resolution edit (got '{ext}').", nameof(path)),
        };
    }

    /// <summary>
    /// Writes <paramref name="target"/>: the video of <paramref name="videoOnly"/> (copied) with the audio streams of
    /// <paramref name="source"/>. <paramref name="videoOnly"/> is consumed (moved or deleted).
    /// </summary>
    /// <returns>what happened to the audio and, unless it was simply copied or absent, a sentence saying why.</returns>
    public static (AudioOutcome Outcome, string? Note) Mux(string videoOnly, SourceStreamInfo source, string target, string container,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Audio.Count == 0)
        {
            File.Move(videoOnly, target, overwrite: true);
            return (AudioOutcome.NoAudio, null);
        }
        var readable = source.Audio.Where(a => a.Readable).ToList();
        if (readable.Count == 0)
        {
            File.Move(videoOnly, target, overwrite: true);
            return (AudioOutcome.Dropped, $"the source's audio ({source.Audio.Count} stream(s)) could not be read (unknown codec or parameters); the edited video has no audio.");
        }
        bool needsTranscode = container == "mp4" && readable.Any(a => !Mp4Codecs.Contains(a.Codec!));
        string? firstError = null;
        foreach (bool transcodeAll in needsTranscode ? new[] { false } : new[] { false, true })
        {
            string? error = TryMux(videoOnly, source, readable, target, container, transcodeAll, cancellationToken);
            if (error is null)
            {
                File.Delete(videoOnly);
                bool transcoded = transcodeAll || needsTranscode;
                string? note = transcoded
                    ? $"the audio ({string.Join(", ", readable.Select(a => a.Codec))}) was re-encoded to AAC{(transcodeAll ? $" because copying it failed: {firstError}" : $" because {container} cannot hold it")}."
                    : readable.Count < source.Audio.Count ? $"{source.Audio.Count - readable.Count} unreadable audio stream(s) were left out." : null;
                return (transcoded ? AudioOutcome.Transcoded : AudioOutcome.Copied, note);
            }
            firstError ??= error;
            if (needsTranscode) break;
        }
        File.Move(videoOnly, target, overwrite: true);
        return (AudioOutcome.Dropped, $"the source's audio could not be copied ({firstError}); the edited video has no audio.");
    }

    /// <summary>One mux attempt; null on success, else ffmpeg's error lines.</summary>
    private static string? TryMux(string videoOnly, SourceStreamInfo source, IReadOnlyList<AudioStreamInfo> audio, string target, string container,
        bool transcodeAll, CancellationToken ct)
    {
        var args = new List<string> { "-hide_banner", "-loglevel", "error", "-y", "-nostdin", "-i", videoOnly, "-i", source.Path, "-map", "0:v:0" };
        foreach (var a in audio) args.AddRange(new[] { "-map", string.Create(CultureInfo.InvariantCulture, $"1:{a.Index}") });
        args.AddRange(new[] { "-c:v", "copy" });
        for (int i = 0; i < audio.Count; i++)
        {
            bool transcode = transcodeAll || container == "mp4" && !Mp4Codecs.Contains(audio[i].Codec!);
            args.Add(string.Create(CultureInfo.InvariantCulture, $"-c:a:{i}"));
            args.Add(transcode ? "aac" : "copy");
            if (transcode) { args.Add(string.Create(CultureInfo.InvariantCulture, $"-b:a:{i}")); args.Add("192k"); }
        }
        args.AddRange(new[] { "-map_metadata", "1", "-f", container });
        if (container is "mp4" or "mov") args.AddRange(new[] { "-movflags", "+faststart" });
        args.Add(target);
        using var p = FfmpegTool.Start("ffmpeg", args, redirectInput: false, redirectOutput: false, ct);
        int code = p.WaitForExit(ct);
        if (code == 0 && File.Exists(target) && new FileInfo(target).Length > 0) return null;
        if (File.Exists(target)) File.Delete(target);
        return MediaProbe.Reason(p.ErrorTail);
    }
}
