using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;

namespace DragVideo.Media.Streaming;

/// <summary>
/// Streams the decoded frames of a source as raw bytes (one buffer per frame) from an ffmpeg process. A background
/// thread reads a few frames ahead, so decoding overlaps the caller's work; buffers handed back with
/// <see cref="Return"/> are reused, so memory stays at a handful of frames whatever the clip's length.
/// </summary>
public sealed class RawFrameDecoder : IDisposable
{
    private readonly ToolProcess _process;
    private readonly Channel<byte[]> _frames;
    private readonly ConcurrentBag<byte[]> _free = new();
    private readonly Task _pump;
    private readonly string _path;
    private int _allocated;

    private RawFrameDecoder(ToolProcess process, string path, int frameBytes, int prefetch)
    {
        _process = process;
        _path = path;
        FrameBytes = frameBytes;
        _frames = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(prefetch) { SingleReader = true, SingleWriter = true });
        _pump = Task.Factory.StartNew(Pump, TaskCreationOptions.LongRunning);
    }

    /// <summary>Bytes per frame.</summary>
    public int FrameBytes { get; }

    /// <summary>Frames handed out so far.</summary>
    public int FramesRead { get; private set; }

    /// <summary>
    /// Starts decoding the first video stream of <paramref name="source"/> to <paramref name="pixelFormat"/> at
    /// <paramref name="width"/>×<paramref name="height"/> (area-averaged when smaller than the displayed size). Frames
    /// come in decode order, one per source frame (<c>-fps_mode passthrough</c>), or resampled to the constant rate
    /// <see cref="SourceStreamInfo.FrameRate"/> when <paramref name="constantRate"/> is set (for a variable-rate source).
    /// </summary>
    /// <param name="source">the probed source.</param>
    /// <param name="pixelFormat"><c>rgb24</c> or a <see cref="PlanarLayout"/> format.</param>
    /// <param name="width">output width.</param>
    /// <param name="height">output height.</param>
    /// <param name="constantRate">resample to the constant rate instead of passing frames through.</param>
    /// <param name="prefetch">frames decoded ahead (≥ 1).</param>
    /// <param name="cancellationToken">kills ffmpeg.</param>
    public static RawFrameDecoder Open(SourceStreamInfo source, string pixelFormat, int width, int height, bool constantRate,
        int prefetch = 4, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        int frameBytes = pixelFormat == "rgb24" ? checked(width * height * 3) : PlanarLayout.For(pixelFormat, width, height).FrameBytes;
        var filters = new List<string>();
        if (width != source.Width || height != source.Height)
            filters.Add(string.Create(CultureInfo.InvariantCulture, $"scale={width}:{height}:flags=area"));
        filters.Add("format=" + pixelFormat);
        var args = new List<string> { "-hide_banner", "-loglevel", "error", "-nostdin", "-i", source.Path, "-map", "0:v:0", "-an", "-sn", "-dn",
            "-vf", string.Join(",", filters) };
        if (constantRate) args.AddRange(new[] { "-fps_mode", "cfr", "-r", source.FrameRate });
        else args.AddRange(new[] { "-fps_mode", "passthrough" });
        args.AddRange(new[] { "-pix_fmt", pixelFormat, "-f", "rawvideo", "pipe:1" });
        var p = FfmpegTool.Start("ffmpeg", args, redirectInput: false, redirectOutput: true, cancellationToken);
        return new RawFrameDecoder(p, source.Path, frameBytes, prefetch);
    }

    /// <summary>The next frame, or null at the end of the stream. Hand the buffer back with <see cref="Return"/> when done.</summary>
    /// <exception cref="InvalidMediaException">ffmpeg failed to decode the source.</exception>
    public byte[]? Next(CancellationToken cancellationToken = default)
    {
        try
        {
            var t = _frames.Reader.ReadAsync(cancellationToken).AsTask();
            var frame = t.GetAwaiter().GetResult();
            FramesRead++;
            return frame;
        }
        catch (ChannelClosedException e) when (e.InnerException is null)
        {
            return null;
        }
        catch (ChannelClosedException e)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw e.InnerException!;
        }
    }

    /// <summary>Gives a frame buffer back for reuse.</summary>
    public void Return(byte[] buffer)
    {
        if (buffer.Length == FrameBytes) _free.Add(buffer);
    }

    private void Pump()
    {
        Exception? error = null;
        try
        {
            var output = _process.Output;
            while (true)
            {
                if (!_free.TryTake(out var buffer))
                {
                    buffer = new byte[FrameBytes];
                    Interlocked.Increment(ref _allocated);
                }
                int got = ReadFull(output, buffer);
                if (got < FrameBytes) break; // end of stream, or a truncated frame when ffmpeg failed (its exit code says why)
                // Blocks while the consumer is `prefetch` frames behind.
                _frames.Writer.WriteAsync(buffer).AsTask().GetAwaiter().GetResult();
            }
            output.CopyTo(Stream.Null);
            int code = _process.WaitForExit(CancellationToken.None);
            if (code != 0) error = new InvalidMediaException($"ffmpeg could not decode the video: {MediaProbe.Reason(_process.ErrorTail)}", _path);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            error = new InvalidMediaException($"the decoder stopped: {e.Message}", _path, e);
        }
        catch (ChannelClosedException)
        {
            return; // the consumer disposed the decoder
        }
        _frames.Writer.TryComplete(error);
    }

    /// <summary>Reads until the buffer is full or the stream ends; returns the bytes read (a short count = end of stream).</summary>
    private static int ReadFull(Stream s, byte[] buffer) => s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);

    /// <inheritdoc />
    public void Dispose()
    {
        _frames.Writer.TryComplete();
        _process.Kill();
        try { _pump.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
        _process.Dispose();
    }
}
