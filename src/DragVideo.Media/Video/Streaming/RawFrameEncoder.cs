using System.Globalization;
using System.Threading.Channels;

namespace DragVideo.Media.Streaming;

/// <summary>
/// Streams raw planar frames into an ffmpeg H.264 encoder writing a video-only file. A background thread writes the
/// frames, so encoding overlaps the caller's work; each buffer is handed to a callback once written (for reuse).
/// </summary>
public sealed class RawFrameEncoder : IDisposable
{
    private readonly ToolProcess _process;
    private readonly Channel<byte[]> _frames;
    private readonly Action<byte[]>? _written;
    private readonly Task _pump;
    private readonly string _target;
    private Exception? _error;

    private RawFrameEncoder(ToolProcess process, string target, int queue, Action<byte[]>? written)
    {
        _process = process;
        _target = target;
        _written = written;
        _frames = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(queue) { SingleReader = true, SingleWriter = true });
        _pump = Task.Factory.StartNew(Pump, TaskCreationOptions.LongRunning);
    }

    /// <summary>Frames accepted so far.</summary>
    public int FramesWritten { get; private set; }

    /// <summary>
    /// Starts ffmpeg encoding <paramref name="layout"/> frames at <paramref name="frameRate"/> with libx264 into
    /// <paramref name="target"/> (container <paramref name="container"/>: <c>mp4</c>, <c>mov</c> or <c>matroska</c>),
    /// keeping the pixel format.
    /// </summary>
    /// <param name="target">output file (overwritten).</param>
    /// <param name="layout">the frames' pixel format and size.</param>
    /// <param name="frameRate">exact rate as an ffmpeg rational or number.</param>
    /// <param name="crf">x264 constant rate factor, 0 (lossless) … 51.</param>
    /// <param name="preset">x264 preset (ultrafast … veryslow).</param>
    /// <param name="container">ffmpeg muxer name.</param>
    /// <param name="written">called with each buffer once it has been written (may be null).</param>
    /// <param name="queue">frames queued ahead of the encoder (≥ 1).</param>
    /// <param name="cancellationToken">kills ffmpeg.</param>
    public static RawFrameEncoder Start(string target, PlanarLayout layout, string frameRate, int crf, string preset, string container,
        Action<byte[]>? written = null, int queue = 4, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfNegative(crf);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(crf, 51);
        ArgumentOutOfRangeException.ThrowIfLessThan(queue, 1);
        var args = new List<string>
        {
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", layout.PixelFormat,
            "-s", string.Create(CultureInfo.InvariantCulture, $"{layout.Width}x{layout.Height}"),
            "-r", frameRate, "-i", "pipe:0",
            "-c:v", "libx264", "-preset", preset, "-crf", crf.ToString(CultureInfo.InvariantCulture),
            "-pix_fmt", layout.PixelFormat, "-f", container,
        };
        if (container is "mp4" or "mov") args.AddRange(new[] { "-movflags", "+faststart" });
        args.Add(target);
        var p = FfmpegTool.Start("ffmpeg", args, redirectInput: true, redirectOutput: false, cancellationToken);
        return new RawFrameEncoder(p, target, queue, written);
    }

    /// <summary>Queues one frame (blocks while the queue is full).</summary>
    /// <exception cref="IOException">the encoder has failed.</exception>
    public void Write(byte[] frame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_error is not null) throw Failure();
        try
        {
            _frames.Writer.WriteAsync(frame, cancellationToken).AsTask().GetAwaiter().GetResult();
        }
        catch (ChannelClosedException)
        {
            throw Failure();
        }
        FramesWritten++;
    }

    /// <summary>Flushes the queue, closes the pipe and waits for ffmpeg; throws when the file could not be written.</summary>
    /// <exception cref="IOException">ffmpeg failed; the message carries its last error lines.</exception>
    public void Complete(CancellationToken cancellationToken = default)
    {
        _frames.Writer.TryComplete();
        _pump.Wait(cancellationToken);
        int code = _process.WaitForExit(cancellationToken);
        if (_error is not null || code != 0) throw Failure();
    }

    private IOException Failure() => new($"ffmpeg could not write '{_target}': {MediaProbe.Reason(_process.ErrorTail)}", _error);

    private void Pump()
    {
        var input = _process.Input;
        try
        {
            while (_frames.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (_frames.Reader.TryRead(out var frame))
                {
                    input.Write(frame, 0, frame.Length);
                    _written?.Invoke(frame);
                }
            }
            input.Flush();
        }
        catch (IOException e)
        {
            _error = e; // ffmpeg exited early; its exit code and error lines explain why
            _frames.Writer.TryComplete();
        }
        finally
        {
            try { input.Close(); } catch (IOException e) { _error ??= e; }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _frames.Writer.TryComplete();
        _process.Kill();
        try { _pump.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
        _process.Dispose();
    }
}
