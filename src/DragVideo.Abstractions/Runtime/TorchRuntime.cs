using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;

namespace DragVideo;

/// <summary>
/// Loads the TorchSharp native runtime once and turns TorchSharp's generic load failure into an error that names the
/// real cause (no backend package, libstdc++ too old, missing file).
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool _loaded;

    /// <summary>
    /// Ensures LibTorch and LibTorchSharp are loaded. Call before the first tensor operation in an app; every SDK entry
    /// point that builds models calls it too. Throws <see cref="NativeRuntimeException"/> with the diagnosed cause.
    /// </summary>
    public static void EnsureLoaded()
    {
        if (_loaded) return;
        lock (Gate)
        {
            if (_loaded) return;
            try
            {
                PreferPassiveWaiting();
                torch.InitializeDeviceType(DeviceType.CPU);
                using var probe = torch.zeros(1);
                _loaded = true;
            }
            catch (Exception ex) when (ex is not NativeRuntimeException)
            {
                throw new NativeRuntimeException(Diagnose(ex), ex);
            }
        }
    }

    /// <summary>
    /// The OpenMP wait policy LibTorch's CPU threads start with, read when the native runtime loads: this process's
    /// <c>OMP_WAIT_POLICY</c> if it sets one, else <c>PASSIVE</c> (set by <see cref="EnsureLoaded"/> on Linux). With the
    /// default active policy, idle OpenMP threads spin on their cores between parallel regions; when the cores are shared
    /// with another process — a second job, a test run, the Studio beside an edit — the spinning threads take the CPU the
    /// working ones need. Measured on this project's 2-core machine (docs/performance.md, "Threads"): a 16-frame toy
    /// U-Net forward with 2 threads beside another 2-thread LibTorch job took 1,014 ms spinning and 413 ms passive. Set
    /// <c>OMP_WAIT_POLICY=ACTIVE</c> in the environment to keep spinning on a dedicated machine.
    /// </summary>
    public static string? OpenMpWaitPolicy { get; private set; }

    private static void PreferPassiveWaiting()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            // Native setenv: libgomp reads the native environment, which Environment.SetEnvironmentVariable does not change.
            // overwrite = 0 keeps a policy the user chose.
            _ = setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
            OpenMpWaitPolicy = Marshal.PtrToStringAnsi(getenv("OMP_WAIT_POLICY"));
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            OpenMpWaitPolicy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        }
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr getenv(string name);

    /// <summary>Describes why the native runtime failed to load, as far as can be told from the files on disk.</summary>
    internal static string Diagnose(Exception error)
    {
        var sb = new StringBuilder("TorchSharp's native runtime could not be loaded. ");
        string baseDir = AppContext.BaseDirectory;
        string[] glue = Directory.Exists(baseDir)
            ? Directory.GetFiles(baseDir, RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "LibTorchSharp.dll" : "libLibTorchSharp.*", SearchOption.AllDirectories)
            : Array.Empty<string>();
        string[] torchCpu = Directory.Exists(baseDir)
            ? Directory.GetFiles(baseDir, RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "torch_cpu.dll" : "libtorch_cpu.*", SearchOption.AllDirectories)
            : Array.Empty<string>();
        if (torchCpu.Length == 0)
        {
            sb.Append("No LibTorch backend is deployed with the app: reference exactly one backend package in the application project ")
              .Append("(for example 'libtorch-cpu-linux-x64' 2.10.0 or 'TorchSharp-cpu' 0.107.0, or a CUDA backend package on a GPU machine). ");
        }
        else if (glue.Length == 0)
        {
            sb.Append("libLibTorchSharp was not found next to the app; the 'TorchSharp' package's native assets were not copied. ");
        }
        else if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && LacksGlibcxx("GLIBCXX_3.4.32")
                 && glue.FirstOrDefault(g => ElfVersionNeeds.HasStrictRequirement(g, "GLIBCXX_3.4.32")) is { } strict)
        {
            sb.Append("libLibTorchSharp.so requires GLIBCXX_3.4.32 but the system libstdc++ is older (e.g. Debian 12). ")
              .Append("The DragVideo build step that marks this requirement weak did not run on ").Append(strict)
              .Append(": rebuild the app with the DragVideo packages referenced (their buildTransitive targets patch the copy), ")
              .Append("or run on a distribution with GCC 13's libstdc++. ");
        }
        sb.Append("Underlying error: ").Append(Innermost(error).Message);
        return sb.ToString();
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    private static bool LacksGlibcxx(string version)
    {
        foreach (var c in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" })
        {
            if (File.Exists(c)) return !Contains(File.ReadAllBytes(c), Encoding.ASCII.GetBytes(version + "\0"));
        }
        return false;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
