using DragVideo.Studio.Api;

namespace DragVideo.Studio.Hosting;

/// <summary>
/// The server-wide budget shared by every session: bytes of decoded clips held in memory (reserved from the load
/// settings' upper bound before decoding, so an over-budget load never allocates) and runs executing at once. A request
/// that does not fit gets HTTP 503 "server-busy" with a message saying what is full; nothing is evicted to make room.
/// </summary>
public sealed class StudioBudget
{
    private readonly object _gate = new();
    private long _clipBytes;
    private int _runs;

    /// <summary>Creates the budget.</summary>
    public StudioBudget(long maxClipBytes, int maxConcurrentRuns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxClipBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentRuns, 1);
        MaxClipBytes = maxClipBytes;
        MaxConcurrentRuns = maxConcurrentRuns;
    }

    /// <summary>Most bytes of decoded clips held at once, across sessions.</summary>
    public long MaxClipBytes { get; }

    /// <summary>Most runs executing at once, across sessions.</summary>
    public int MaxConcurrentRuns { get; }

    /// <summary>Bytes reserved now.</summary>
    public long ClipBytes { get { lock (_gate) return _clipBytes; } }

    /// <summary>Runs executing now.</summary>
    public int Runs { get { lock (_gate) return _runs; } }

    /// <summary>Bytes of a decoded clip: <c>frames × 3 × height × width × 4</c> (float32 RGB).</summary>
    public static long ClipBytesOf(int frames, int width, int height) => (long)frames * 3 * width * height * sizeof(float);

    /// <summary>Reserves <paramref name="bytes"/> for a clip; dispose the result to give them back.</summary>
    /// <exception cref="StudioApiException">503 "server-busy" when the reservation does not fit.</exception>
    public IDisposable ReserveClip(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_gate)
        {
            if (bytes > MaxClipBytes - _clipBytes)
                throw new StudioApiException(503, "server-busy",
                    $"The server's memory budget for loaded clips is full ({Mib(_clipBytes)} of {Mib(MaxClipBytes)} MiB in use; this clip needs up to {Mib(bytes)} MiB). " +
                    "Close other Studio tabs, load a shorter or smaller clip, or start the server with a larger --max-memory-mb.");
            _clipBytes += bytes;
        }
        return new Release(this, bytes, isRun: false);
    }

    /// <summary>Takes one of the run slots; dispose the result when the run has finished.</summary>
    /// <exception cref="StudioApiException">503 "server-busy" when every slot is taken.</exception>
    public IDisposable BeginRun()
    {
        lock (_gate)
        {
            if (_runs >= MaxConcurrentRuns)
                throw new StudioApiException(503, "server-busy",
                    $"The server is already running {_runs} edit(s), its limit (--max-runs {MaxConcurrentRuns}). Try again when one has finished.");
            _runs++;
        }
        return new Release(this, 0, isRun: true);
    }

    private static long Mib(long bytes) => (bytes + (1L << 20) - 1) >> 20;

    private sealed class Release(StudioBudget budget, long bytes, bool isRun) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            lock (budget._gate)
            {
                if (isRun) budget._runs--;
                else budget._clipBytes -= bytes;
            }
        }
    }
}
