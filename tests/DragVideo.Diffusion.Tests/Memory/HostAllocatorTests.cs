using DragVideo.Diffusion.Memory;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Memory;

/// <summary>Runs alone: it reads the process's resident memory, which tests running beside it would move.</summary>
[CollectionDefinition(nameof(HostAllocatorTests), DisableParallelization = true)]
public sealed class HostAllocatorCollection;

[Collection(nameof(HostAllocatorTests))]
public class HostAllocatorTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(4095)]
    [InlineData((32 << 20) + 1)]
    public void Thresholds_outside_glibcs_range_are_refused(int threshold)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => HostAllocator.ReturnFreedMemory(threshold));
        Assert.Equal("thresholdBytes", e.ParamName);
    }

    [Fact]
    public void On_linux_freed_tensor_memory_goes_back_to_the_os_and_the_setting_is_set_once()
    {
        if (!OperatingSystem.IsLinux()) return; // the setting is glibc's; elsewhere ReturnFreedMemory returns false
        TorchRuntime.EnsureLoaded();
        Assert.True(HostAllocator.ReturnFreedMemory());
        Assert.Equal(HostAllocator.DefaultThresholdBytes, HostAllocator.ThresholdBytes);
        Assert.True(HostAllocator.ReturnFreedMemory(), "the same threshold again is a no-op");
        Assert.Throws<InvalidOperationException>(() => HostAllocator.ReturnFreedMemory(2 << 20));

        // 256 tensors of 2 MiB each (above the 1 MiB threshold): what they newly map is returned when they are disposed.
        // (Blocks malloc already holds free from earlier tests are reused first and stay with malloc, so the check is on
        // the memory the tensors added; run alone, that is all 512 MiB.)
        double before = ResidentMiB();
        var tensors = new List<Tensor>();
        for (int i = 0; i < 256; i++) tensors.Add(ones(512 * 1024)); // float32: 2 MiB, written, so resident
        double held = ResidentMiB();
        foreach (var t in tensors) t.Dispose();
        double after = ResidentMiB();
        Assert.True(held - after >= 0.75 * (held - before) - 16,
            $"the tensors added {held - before:0} MiB of resident memory and freeing them returned only {held - after:0} MiB");
    }

    private static double ResidentMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        throw new InvalidOperationException("/proc/self/status has no VmRSS line.");
    }
}
