using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Media;

/// <summary>Reads and writes single images (PNG, JPEG, and anything else ffmpeg reads) as float RGB tensors.</summary>
public static class ImageFile
{
    /// <summary>Largest image or mask file read (64 MiB); larger files are refused before decoding.</summary>
    public const long MaxImageFileBytes = 64L << 20;

    /// <summary>Largest decoded image in bytes (256 MiB: for example 9000×9000 RGB); larger images are refused before decoding.</summary>
    public const long MaxImagePixelBytes = 256L << 20;

    /// <summary>Reads an image as a float32 tensor <c>[3, H, W]</c> with values in [0, 1] on the CPU (caller owns it).</summary>
    /// <exception cref="FileNotFoundException">the file does not exist.</exception>
    /// <exception cref="InvalidMediaException">the file is empty, corrupt or not an image.</exception>
    public static Tensor Read(string path, CancellationToken cancellationToken = default)
    {
        var (bytes, w, h) = Decode(path, "rgb24", 3, cancellationToken);
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        return torch.tensor(bytes, new long[] { h, w, 3 }).permute(2, 0, 1).to_type(ScalarType.Float32).div_(255f)
            .contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Writes <paramref name="image"/> (<c>[3, H, W]</c> or <c>[1, H, W]</c> / <c>[H, W]</c> grey, values in [0, 1],
    /// clamped and rounded to 8 bits) to <paramref name="path"/>; the format follows the extension: <c>.png</c>
    /// (lossless) or <c>.jpg</c>/<c>.jpeg</c> (quality ~95). Written to a temporary file, then moved into place.
    /// </summary>
    /// <exception cref="ArgumentException">unsupported extension or tensor shape.</exception>
    /// <exception cref="IOException">ffmpeg failed.</exception>
    public static void Write(Tensor image, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var codec = CodecFor(path);
        var (bytes, w, h) = ToRgb24(image);
        WriteRaw(bytes, w, h, "rgb24", path, codec, cancellationToken);
    }

    /// <summary>Encodes <paramref name="image"/> as PNG straight to <paramref name="target"/> (the caller handles temp + move).</summary>
    internal static void EncodePngTo(Tensor image, string target, CancellationToken ct)
    {
        var (bytes, w, h) = ToRgb24(image);
        EncodeRaw(bytes, w, h, "rgb24", target, CodecFor(".png"), ct);
    }

    private static (byte[] Bytes, int Width, int Height) ToRgb24(Tensor image)
    {
        using var scope = NewDisposeScope();
        var t = image.detach().to(CPU).to_type(ScalarType.Float32);
        if (t.dim() == 2) t = t.unsqueeze(0);
        if (t.dim() != 3 || (t.shape[0] != 3 && t.shape[0] != 1))
            throw new ArgumentException($"image must be [3, H, W], [1, H, W] or [H, W]; got [{string.Join(", ", image.shape)}].", nameof(image));
        if (t.shape[0] == 1) t = t.expand(3, -1, -1);
        var bytes = t.clamp(0, 1).mul(255f).round().to_type(ScalarType.Byte).permute(1, 2, 0).contiguous().data<byte>().ToArray();
        return (bytes, (int)t.shape[2], (int)t.shape[1]);
    }

    /// <summary>Decodes the first frame of an image file as raw pixels in <paramref name="pixelFormat"/>.</summary>
    internal static (byte[] Bytes, int Width, int Height) Decode(string path, string pixelFormat, int channels, CancellationToken ct)
    {
        MediaProbe.RequireReadableFile(path);
        long fileBytes = new FileInfo(path).Length;
        if (fileBytes > MaxImageFileBytes)
            throw new MemoryBudgetExceededException(nameof(MaxImageFileBytes), fileBytes, MaxImageFileBytes,
                $"the image file '{path}' is {MemoryBudgetExceededException.FormatBytes(fileBytes)}; images and masks are limited to {MemoryBudgetExceededException.FormatBytes(MaxImageFileBytes)}.");
        VideoInfo info;
        try
        {
            info = MediaProbe.Probe(path, ct);
        }
        catch (InvalidMediaException e)
        {
            // The probe speaks of video streams; for a still image the user needs to hear that the image is unreadable.
            string reason = e.Path is not null && e.Message.EndsWith($" ({e.Path})", StringComparison.Ordinal) ? e.Message[..^(e.Path.Length + 3)] : e.Message;
            reason = reason.Replace("the video stream has", "it has", StringComparison.Ordinal).Replace("video stream", "image", StringComparison.Ordinal);
            throw new InvalidMediaException($"not a readable image ({reason})", path, e);
        }
        long need = (long)info.Width * info.Height * channels;
        if (need > MaxImagePixelBytes)
            throw new MemoryBudgetExceededException(nameof(MaxImagePixelBytes), need, MaxImagePixelBytes,
                $"the image '{path}' is {info.Width}×{info.Height}; decoding it needs {MemoryBudgetExceededException.FormatBytes(need)}, over the {MemoryBudgetExceededException.FormatBytes(MaxImagePixelBytes)} image limit.");
        int n = (int)need;
        var args = new[]
        {
            "-hide_banner", "-loglevel", "error", "-nostdin", "-i", path, "-map", "0:v:0", "-frames:v", "1",
            "-pix_fmt", pixelFormat, "-f", "rawvideo", "pipe:1",
        };
        using var p = FfmpegTool.Start("ffmpeg", args, redirectInput: false, redirectOutput: true, ct);
        var buffer = new byte[n];
        int total = 0;
        while (total < n)
        {
            int r = p.Output.Read(buffer, total, n - total);
            if (r == 0) break;
            total += r;
        }
        p.Output.CopyTo(Stream.Null);
        int code = p.WaitForExit(ct);
        if (code != 0 || total < n)
            throw new InvalidMediaException($"ffmpeg could not decode the image: {MediaProbe.Reason(p.ErrorTail)}", path);
        return (buffer, info.Width, info.Height);
    }

    /// <summary>Encodes one raw frame to an image file through a temporary file.</summary>
    internal static void WriteRaw(byte[] pixels, int width, int height, string pixelFormat, string path, string[] codecArgs, CancellationToken ct)
    {
        using var output = new OutputFile(path);
        EncodeRaw(pixels, width, height, pixelFormat, output.TempPath, codecArgs, ct);
        WrittenVideo.Verify(output.TempPath, 1, width, height, null, ct);
        output.Commit();
    }

    /// <summary>Encodes one raw frame straight to <paramref name="target"/>.</summary>
    internal static void EncodeRaw(byte[] pixels, int width, int height, string pixelFormat, string target, string[] codecArgs, CancellationToken ct)
    {
        var args = new List<string>
        {
            "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", pixelFormat,
            "-s", string.Create(CultureInfo.InvariantCulture, $"{width}x{height}"), "-i", "pipe:0", "-frames:v", "1",
        };
        args.AddRange(codecArgs);
        args.AddRange(new[] { "-update", "1", "-f", "image2", target });
        using (var p = FfmpegTool.Start("ffmpeg", args, redirectInput: true, redirectOutput: false, ct))
        {
            bool broken = false;
            try { p.Input.Write(pixels, 0, pixels.Length); p.Input.Close(); }
            catch (IOException) { broken = true; }
            int code = p.WaitForExit(ct);
            if (code != 0 || broken || p.ErrorTail.Contains("No space left on device", StringComparison.Ordinal)) throw new IOException($"ffmpeg could not write '{target}': {MediaProbe.Reason(p.ErrorTail)}");
        }
    }

    /// <summary>ffmpeg codec arguments for an image path's extension.</summary>
    internal static string[] CodecFor(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => new[] { "-c:v", "png" },
            ".jpg" or ".jpeg" => new[] { "-c:v", "mjpeg", "-q:v", "2", "-pix_fmt", "yuvj444p" },
            var e => throw new ArgumentException($"unsupported image extension '{e}'; use .png, .jpg or .jpeg.", nameof(path)),
        };
    }
}
