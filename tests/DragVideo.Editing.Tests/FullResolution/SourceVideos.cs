using System.Diagnostics;
using DragVideo.Media.Streaming;

namespace DragVideo.Editing.Tests.FullResolution;

/// <summary>Source videos for full-resolution edits, made with ffmpeg in a temporary folder, and raw decodes of results.</summary>
internal sealed class SourceVideos : IDisposable
{
    public const string VtestPath = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";

    public SourceVideos()
    {
        Folder = Path.Combine(Path.GetTempPath(), "dragvideo-fullres-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>A 320×240, 30 fps, 2 s test pattern (H.264, yuv420p, near-lossless) with a 440 Hz AAC tone.</summary>
    public string PatternWithAudio(string name = "pattern.mp4", string size = "320x240", string extra = "")
    {
        string path = PathOf(name);
        Ffmpeg($"-f lavfi -i testsrc2=size={size}:rate=30:duration=2 -f lavfi -i sine=frequency=440:duration=2 " +
               $"-c:v libx264 -preset ultrafast -crf 4 -pix_fmt yuv420p -c:a aac -b:a 96k {extra} {path}");
        return path;
    }

    /// <summary>The first <paramref name="frames"/> frames of OpenCV's vtest.avi (768×576, 10 fps, no audio), stream-copied.</summary>
    public string Vtest(int frames)
    {
        if (!File.Exists(VtestPath)) throw new FileNotFoundException($"{VtestPath} is missing: install it with 'apt-get install -y opencv-doc'.", VtestPath);
        string path = PathOf($"vtest{frames}.avi");
        Ffmpeg($"-i {VtestPath} -frames:v {frames} -c:v copy -an {path}");
        return path;
    }

    /// <summary>Runs ffmpeg with whitespace-separated arguments (no quoting needed by the callers).</summary>
    public static void Ffmpeg(string arguments)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-hide_banner");
        psi.ArgumentList.Add("-loglevel");
        psi.ArgumentList.Add("error");
        psi.ArgumentList.Add("-y");
        foreach (var a in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {arguments} failed: {err.Result}");
    }

    /// <summary>Every frame of <paramref name="path"/> as raw <paramref name="pixelFormat"/> bytes at its displayed size.</summary>
    public static List<byte[]> Decode(string path, string pixelFormat)
    {
        var info = StreamingProbe.Probe(path);
        using var decoder = RawFrameDecoder.Open(info, pixelFormat, info.Width, info.Height, constantRate: false);
        var frames = new List<byte[]>();
        while (decoder.Next() is byte[] f) frames.Add(f);
        return frames;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
