namespace DragVideo.Benchmarks;

/// <summary>Peak resident memory of this process (native + managed) from /proc, resettable on Linux.</summary>
internal static class PeakMemory
{
    /// <summary>Resets the kernel's high-water mark (VmHWM) to the current RSS. Returns false where unsupported.</summary>
    public static bool Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Peak RSS since start or the last <see cref="Reset"/>, in MiB (NaN where /proc is missing).</summary>
    public static double PeakMiB() => ReadKiB("VmHWM:") / 1024.0;

    /// <summary>Current RSS in MiB.</summary>
    public static double CurrentMiB() => ReadKiB("VmRSS:") / 1024.0;

    private static double ReadKiB(string field)
    {
        if (!File.Exists("/proc/self/status")) return double.NaN;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        return double.NaN;
    }
}
