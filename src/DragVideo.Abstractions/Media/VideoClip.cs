using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo;

/// <summary>
/// A video clip held in memory: <see cref="Frames"/> is a float32 tensor <c>[F, 3, H, W]</c> with RGB values in [0, 1],
/// on the CPU unless moved. The clip owns its tensor: dispose the clip to free it.
/// </summary>
public sealed class VideoClip : IDisposable
{
    /// <summary>Wraps a frames tensor. The clip takes ownership of <paramref name="frames"/>.</summary>
    /// <param name="frames">float tensor <c>[F, 3, H, W]</c>, values in [0, 1].</param>
    /// <param name="fps">frames per second (&gt; 0).</param>
    /// <exception cref="InvalidMediaException">wrong rank, channel count, dtype or an empty clip.</exception>
    public VideoClip(Tensor frames, double fps)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.dim() != 4 || frames.shape[1] != 3)
            throw new InvalidMediaException($"frames must be a [F, 3, H, W] tensor; got [{string.Join(", ", frames.shape)}].");
        if (!frames.is_floating_point())
            throw new InvalidMediaException($"frames must be a floating-point tensor in [0, 1]; got {frames.dtype}.");
        if (frames.shape[0] < 1 || frames.shape[2] < 1 || frames.shape[3] < 1)
            throw new InvalidMediaException("a clip needs at least one frame of at least 1×1 pixels.");
        if (!(fps > 0) || double.IsInfinity(fps))
            throw new ArgumentOutOfRangeException(nameof(fps), fps, "fps must be a finite number greater than 0.");
        _frames = frames;
        Fps = fps;
    }

    private readonly Tensor _frames;
    private bool _disposed;

    /// <summary>The frames, float <c>[F, 3, H, W]</c> in [0, 1].</summary>
    /// <exception cref="ObjectDisposedException">the clip was disposed (its frames are freed).</exception>
    public Tensor Frames => _disposed
        ? throw new ObjectDisposedException(nameof(VideoClip), "the video clip was disposed; its frames are freed. Keep the clip alive until the edit has finished.")
        : _frames;

    /// <summary>True once <see cref="Dispose"/> has freed the frames.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Frames per second.</summary>
    public double Fps { get; }

    /// <summary>Number of frames F.</summary>
    public int FrameCount => (int)Frames.shape[0];

    /// <summary>Frame height H in pixels.</summary>
    public int Height => (int)Frames.shape[2];

    /// <summary>Frame width W in pixels.</summary>
    public int Width => (int)Frames.shape[3];

    /// <summary>Duration in seconds (<c>FrameCount / Fps</c>).</summary>
    public double DurationSeconds => FrameCount / Fps;

    /// <summary>Builds a clip from interleaved 8-bit RGB frames (row-major, <c>width × height × 3</c> bytes each).</summary>
    /// <exception cref="InvalidMediaException">no frames or a frame of the wrong byte length.</exception>
    public static VideoClip FromRgb24(IReadOnlyList<byte[]> frames, int width, int height, double fps)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (frames.Count == 0) throw new InvalidMediaException("a clip needs at least one frame.");
        int frameBytes = checked(width * height * 3);
        var all = new byte[checked((long)frameBytes * frames.Count)];
        for (int i = 0; i < frames.Count; i++)
        {
            if (frames[i] is null || frames[i].Length != frameBytes)
                throw new InvalidMediaException($"frame {i} has {frames[i]?.Length ?? 0} bytes; expected {frameBytes} ({width}×{height}×3).");
            Buffer.BlockCopy(frames[i], 0, all, i * frameBytes, frameBytes);
        }
        using var scope = NewDisposeScope();
        var t = torch.tensor(all, new long[] { frames.Count, height, width, 3 })
            .permute(0, 3, 1, 2).to_type(ScalarType.Float32).div_(255f).contiguous();
        return new VideoClip(t.MoveToOuterDisposeScope(), fps);
    }

    /// <summary>Returns frame <paramref name="index"/> as interleaved 8-bit RGB (<c>W × H × 3</c> bytes, rounded, clamped).</summary>
    public byte[] ToRgb24(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, FrameCount);
        using var scope = NewDisposeScope();
        var t = Frames[index].detach().to(CPU).to_type(ScalarType.Float32)
            .clamp(0, 1).mul(255f).round().to_type(ScalarType.Byte).permute(1, 2, 0).contiguous();
        return t.data<byte>().ToArray();
    }

    /// <summary>A new clip with frames <c>[start, start + count)</c> (a copy; this clip is unchanged).</summary>
    public VideoClip Slice(int start, int count)
    {
        if (start < 0 || count < 1 || start + count > FrameCount)
            throw new ArgumentOutOfRangeException(nameof(start), $"frames [{start}, {start + count}) are outside the clip of {FrameCount} frames.");
        return new VideoClip(Frames.narrow(0, start, count).clone(), Fps);
    }

    /// <summary>A deep copy of this clip.</summary>
    public VideoClip Clone() => new(Frames.clone(), Fps);

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _frames.Dispose();
    }
}
