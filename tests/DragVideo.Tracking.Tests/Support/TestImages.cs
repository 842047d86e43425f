using System.Collections.Concurrent;
using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Tracking.Tests.Support;

/// <summary>
/// Loads the photographs shipped by Debian's opencv-doc package through the ffmpeg executable (the Media package is
/// not used here on purpose) as float32 <c>[3, H, W]</c> tensors in [0, 1].
/// </summary>
internal static class TestImages
{
    public const string DataFolder = "/usr/share/doc/opencv-doc/examples/data";
    private static readonly ConcurrentDictionary<string, float[]> Cache = new();

    /// <summary>Loads <paramref name="name"/> resized to <paramref name="width"/>×<paramref name="height"/> (Lanczos).</summary>
    public static Tensor Load(string name, int width, int height)
    {
        var data = Cache.GetOrAdd($"{name}@{width}x{height}", _ => Decode(Path.Combine(DataFolder, name), width, height));
        using var scope = NewDisposeScope();
        return torch.tensor(data, new long[] { height, width, 3 }).permute(2, 0, 1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The first <paramref name="frames"/> frames of a clip from the data folder, resized, as a <see cref="VideoClip"/>.</summary>
    public static VideoClip LoadVideo(string name, int frames, int width, int height)
    {
        var data = Cache.GetOrAdd($"{name}@{width}x{height}x{frames}", _ => Decode(Path.Combine(DataFolder, name), width, height, frames));
        using var scope = NewDisposeScope();
        var t = torch.tensor(data, new long[] { frames, height, width, 3 }).permute(0, 3, 1, 2).contiguous();
        return new VideoClip(t.MoveToOuterDisposeScope(), 10);
    }

    private static float[] Decode(string path, int width, int height, int frames = 1)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"test image {path} is missing: install Debian's opencv-doc package.", path);
        var psi = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-v", "error", "-i", path, "-vf", $"scale={width}:{height}:flags=lanczos", "-frames:v", frames.ToString(System.Globalization.CultureInfo.InvariantCulture), "-f", "rawvideo", "-pix_fmt", "rgb24", "-" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("ffmpeg could not be started.");
        using var ms = new MemoryStream();
        var errTask = p.StandardError.ReadToEndAsync();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        var bytes = ms.ToArray();
        if (p.ExitCode != 0 || bytes.Length != width * height * 3 * frames)
            throw new InvalidOperationException($"ffmpeg failed on {path} (exit {p.ExitCode}, {bytes.Length} bytes): {errTask.Result}");
        var f = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) f[i] = bytes[i] / 255f;
        return f;
    }
}
