using static TorchSharp.torch;

namespace DragVideo.Tracking.Imaging;

/// <summary>
/// Sets LibTorch's intra-op thread count for the duration of a call and restores it afterwards, only when the caller
/// opted in with a non-zero <c>TorchThreads</c> option (the default 0 changes nothing). Tracking issues many small
/// tensor operations; on a busy machine each multi-threaded operation waits for every OpenMP worker to be scheduled,
/// which was measured 10–50× slower than one thread (2-core box, load ≈ 9: one 256² flow 2.9 s vs 59 ms). The setting
/// is process-wide, so work on other threads runs with the same count meanwhile: that is why it is opt-in.
/// </summary>
internal readonly struct TorchThreadLimit : IDisposable
{
    private readonly int _previous;

    private TorchThreadLimit(int previous) => _previous = previous;

    /// <summary>Uses <paramref name="threads"/> intra-op threads until disposed (0 = leave the setting alone).</summary>
    public static TorchThreadLimit Use(int threads)
    {
        if (threads <= 0) return default;
        int current = get_num_threads();
        if (current == threads) return default;
        set_num_threads(threads);
        return new TorchThreadLimit(current);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_previous > 0) set_num_threads(_previous);
    }
}
