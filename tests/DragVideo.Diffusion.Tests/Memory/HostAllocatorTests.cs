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

        // 256 tensors of 2 MiB each (above the 1 MiB threshold). Fresh ones are mapped and unmapped on dispose; free
        // chunks malloc's heap already holds (from earlier tests) are reused first and stay in the heap when freed, and
        // the explicit release gives those back. Together, nothing the tensors used stays resident.
        double before = ResidentMiB();
        var tensors = new List<Tensor>();
        for (int i = 0; i < 256; i++) tensors.Add(ones(512 * 1024)); // float32: 2 MiB, written, so resident
        double held = ResidentMiB();
        foreach (var t in tensors) t.Dispose();
        Assert.True(HostAllocator.ReleaseFreedMemory());
        double after = ResidentMiB();
        Assert.True(held - before >= 256, $"the tensors should have made at least half of their 512 MiB resident; RSS grew by {held - before:0} MiB");
        Assert.True(after <= before + 16, $"RSS was {before:0} MiB before the tensors, {held:0} MiB with them and {after:0} MiB after disposing and releasing them");
    }

    [Fact]
    public void Releasing_freed_memory_returns_what_malloc_holds_free_inside_its_heap()
    {
        if (!OperatingSystem.IsLinux()) { Assert.False(HostAllocator.ReleaseFreedMemory()); return; }
        // 1,024 blocks of 64 KiB (below any mmap threshold, so from malloc's heap), written so they are resident; all
        // but the last are freed. The last keeps the freed ones from being the top of the heap, which free() alone
        // would trim: only an explicit release gives those 64 MiB back.
        var blocks = new IntPtr[1024];
        var ones = Enumerable.Repeat((byte)1, 64 * 1024).ToArray();
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = System.Runtime.InteropServices.Marshal.AllocHGlobal(ones.Length);
            System.Runtime.InteropServices.Marshal.Copy(ones, 0, blocks[i], ones.Length);
        }
        for (int i = 0; i < blocks.Length - 1; i++) System.Runtime.InteropServices.Marshal.FreeHGlobal(blocks[i]);
        double held = ResidentMiB();
        Assert.True(HostAllocator.ReleaseFreedMemory());
        double after = ResidentMiB();
        System.Runtime.InteropServices.Marshal.FreeHGlobal(blocks[^1]);
        Assert.True(held - after >= 32, $"64 MiB were freed inside the heap and the release returned only {held - after:0.0} MiB");
    }

    private static double ResidentMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        throw new InvalidOperationException("/proc/self/status has no VmRSS line.");
    }
}
