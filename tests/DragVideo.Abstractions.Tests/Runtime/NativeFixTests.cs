using DragVideo;

namespace DragVideo.Abstractions.Tests.Runtime;

public class NativeFixTests
{
    private static string DeployedGlue()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        File.Exists(path).Should().BeTrue("the test output carries TorchSharp's native glue");
        return path;
    }

    private static string PackageGlue()
    {
        var home = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                   ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(home, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        File.Exists(path).Should().BeTrue($"the TorchSharp package is restored at {path}");
        return path;
    }

    private static bool SystemLacksGlibcxx332() =>
        File.Exists("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")
        && File.ReadAllBytes("/usr/lib/x86_64-linux-gnu/libstdc++.so.6").AsSpan().IndexOf("GLIBCXX_3.4.32\0"u8) < 0;

    [Fact]
    public void Packaged_glue_library_requires_GLIBCXX_3_4_32_strictly()
    {
        ElfVersionNeeds.FlagsOf(File.ReadAllBytes(PackageGlue()), "GLIBCXX_3.4.32").Should().ContainSingle()
            .Which.Should().Be(0, "TorchSharp 0.107 ships the requirement as a normal (strict) one; the NuGet cache is never patched");
    }

    [Fact]
    public void Build_step_marks_the_requirement_weak_in_the_output_when_the_system_lacks_it()
    {
        var flags = ElfVersionNeeds.FlagsOf(File.ReadAllBytes(DeployedGlue()), "GLIBCXX_3.4.32");
        flags.Should().ContainSingle();
        if (SystemLacksGlibcxx332())
            (flags[0] & 0x2).Should().Be(0x2, "on an older libstdc++ the build step must set VER_FLG_WEAK");
        else
            (flags[0] & 0x2).Should().Be(0, "on a new libstdc++ the build step must leave the file alone");
    }

    [Fact]
    public void Patched_and_original_glue_differ_only_in_the_flag_byte()
    {
        var original = File.ReadAllBytes(PackageGlue());
        var deployed = File.ReadAllBytes(DeployedGlue());
        deployed.Length.Should().Be(original.Length);
        int differing = 0;
        for (int i = 0; i < original.Length; i++) if (original[i] != deployed[i]) differing++;
        differing.Should().Be(SystemLacksGlibcxx332() ? 1 : 0);
    }

    [Fact]
    public void Runtime_loads_and_computes_after_the_fix()
    {
        TorchRuntime.EnsureLoaded();
        using var t = TorchSharp.torch.arange(4).sum();
        t.item<long>().Should().Be(6);
    }

    [Fact]
    public void Non_elf_input_yields_no_requirements()
    {
        ElfVersionNeeds.FlagsOf(new byte[128], "GLIBCXX_3.4.32").Should().BeEmpty();
    }
}
