using System.Diagnostics;

namespace DragVideo.Editing.Tests.Fast;

/// <summary>
/// The real test clip: the first 16 frames of OpenCV's <c>vtest.avi</c> (Debian package opencv-doc; pedestrians, static
/// camera) decoded with ffmpeg to 256×192. Fails loudly when the file or ffmpeg is missing.
/// </summary>
internal static class RealClip
{
    public const string Path = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";
    public const int Width = 256, Height = 192, Frames = 16;

    /// <summary>
    /// The yellow cloth on the lawn (bottom left), dragged 22 px right and 20 px up (≈ 30 px) within a box around it.
    /// No pedestrian crosses this region in the first 16 frames (one does cross the tripod, which would make any warp
    /// distort a walking person).
    /// </summary>
    public static DragRequest ClothRequest()
    {
        var pair = new DragPair(new DragPoint(40, 170), new DragPoint(62, 150));
        var mask = BinaryMask.FromFunction(Width, Height, (x, y) => x >= 18 && x <= 80 && y >= 136 && y <= 186);
        return new DragRequest(new[] { new KeyframeDrag(0, new[] { pair }, mask), new KeyframeDrag(Frames - 1, new[] { pair }, mask) });
    }

    /// <summary>OpenCV's <c>tree.avi</c> (same package): a tree in the wind next to a dark pole, slightly shaking camera.</summary>
    public const string TreePath = "/usr/share/doc/opencv-doc/examples/data/tree.avi";

    /// <summary>
    /// The dark pole at the left edge of <c>tree.avi</c>, dragged 24 px right, within a box around it and its
    /// destination (the pole runs the full height, so the box does too).
    /// </summary>
    public static DragRequest PoleRequest()
    {
        var pair = new DragPair(new DragPoint(20, 100), new DragPoint(44, 100));
        var mask = BinaryMask.FromFunction(Width, Height, (x, y) => x <= 72);
        return new DragRequest(new[] { new KeyframeDrag(0, new[] { pair }, mask), new KeyframeDrag(Frames - 1, new[] { pair }, mask) });
    }

    public static VideoClip Load(string path = Path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: install it with 'sudo apt-get install -y opencv-doc'.", path);
        var psi = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-loglevel", "error", "-i", path, "-frames:v", Frames.ToString(), "-vf", $"scale={Width}:{Height}",
                     "-f", "rawvideo", "-pix_fmt", "rgb24", "-" })
            psi.ArgumentList.Add(a);
        using var proc = Process.Start(psi) ?? throw new InvalidOperationException("ffmpeg did not start.");
        var errTask = proc.StandardError.ReadToEndAsync();
        using var ms = new MemoryStream();
        proc.StandardOutput.BaseStream.CopyTo(ms);
        proc.WaitForExit();
        if (proc.ExitCode != 0) throw new InvalidOperationException("ffmpeg failed: " + errTask.Result);
        var bytes = ms.ToArray();
        int frameBytes = Width * Height * 3;
        if (bytes.Length != frameBytes * Frames) throw new InvalidOperationException($"ffmpeg returned {bytes.Length} bytes; expected {frameBytes * Frames}.");
        var frames = Enumerable.Range(0, Frames).Select(i => bytes.AsSpan(i * frameBytes, frameBytes).ToArray()).ToList();
        return VideoClip.FromRgb24(frames, Width, Height, 10);
    }
}
