using System.Runtime.InteropServices;

namespace DragVideo.Diffusion.Memory;

/// <summary>
/// The host allocator LibTorch's CPU tensors come from. On Linux with glibc, freed blocks below the adaptive mmap
/// threshold (which rises to 32 MiB after the first large free) stay in malloc's heaps, so a drag or LoRA step's peak
/// resident memory counts every activation it ever freed and the process keeps that memory after the step. Lowering the
/// threshold to a fixed value sends every block at least that large to <c>mmap</c>, which returns it to the OS on free.
/// Measured at SD1.5 width (docs/performance.md, "Memory"): a 16-frame 256² drag step with checkpointed units peaks at
/// 7.65 instead of 9.13 GiB. The setting is process-wide and cannot be undone (glibc stops adapting the threshold), so it
/// is opt-in: <c>MemoryOptions.ReturnFreedHostMemory</c> or <see cref="ReturnFreedMemory"/>.
/// </summary>
public static class HostAllocator
{
    /// <summary>The threshold <see cref="ReturnFreedMemory"/> sets by default: 1 MiB (one 512-channel 32×16 float map).</summary>
    public const int DefaultThresholdBytes = 1 << 20;

    // glibc's mallopt parameter numbers (malloc.h).
    private const int MmapThreshold = -3;

    private static readonly object Gate = new();

    /// <summary>The threshold set in this process, or null when unchanged.</summary>
    public static int? ThresholdBytes { get; private set; }

    /// <summary>
    /// Makes blocks of at least <paramref name="thresholdBytes"/> come from <c>mmap</c> and go back to the OS when freed,
    /// and gives back what malloc's heaps already hold free (<see cref="ReleaseFreedMemory"/>): without that, a process
    /// that ran a large step before opting in would keep that step's freed activations resident. Returns false (and
    /// changes nothing) where that is not possible: not Linux, or a C library without glibc's <c>mallopt</c>. Calling it
    /// again with the same value changes nothing more.
    /// </summary>
    /// <param name="thresholdBytes">smallest block size served by mmap, in [4 KiB, 32 MiB] (glibc's limits).</param>
    /// <exception cref="ArgumentOutOfRangeException">the threshold is outside [4 KiB, 32 MiB].</exception>
    /// <exception cref="InvalidOperationException">a different threshold was already set in this process.</exception>
    public static bool ReturnFreedMemory(int thresholdBytes = DefaultThresholdBytes)
    {
        if (thresholdBytes < 4096 || thresholdBytes > 32 << 20)
            throw new ArgumentOutOfRangeException(nameof(thresholdBytes), thresholdBytes, "must be in [4 KiB, 32 MiB], glibc's range for M_MMAP_THRESHOLD.");
        if (!OperatingSystem.IsLinux()) return false;
        lock (Gate)
        {
            if (ThresholdBytes is int current)
            {
                if (current == thresholdBytes) return true;
                throw new InvalidOperationException($"the host allocator's mmap threshold is already {current} bytes in this process; it is process-wide and set once.");
            }
            try
            {
                if (mallopt(MmapThreshold, thresholdBytes) != 1) return false;
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                return false;
            }
            ThresholdBytes = thresholdBytes;
        }
        ReleaseFreedMemory();
        return true;
    }

    /// <summary>
    /// Gives the memory malloc's heaps hold free back to the OS now (glibc <c>malloc_trim</c>), once, with no lasting
    /// effect: for example after an edit, or between measurements, so that the next peak is its own and not the previous
    /// step's retained activations. Returns false (and does nothing) where glibc is not available.
    /// </summary>
    public static bool ReleaseFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            malloc_trim(0);
            return true;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);

    // Releases free memory at the top of and inside malloc's heaps (whole free pages) to the OS; 0 = keep no padding.
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);
}
