using System.Diagnostics;
using Xunit;

namespace DragVideo.Testing;

/// <summary>
/// A small tmpfs file system mounted on a fresh temporary folder, for tests of what happens when a disk is full.
/// Mounting needs root (or CAP_SYS_ADMIN); <see cref="TmpfsFactAttribute"/> skips a test, saying why, when it is impossible.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Why mounting is impossible here, or null when a probe mount succeeded.</summary>
    public static string? Unavailable => UnavailableLazy.Value;

    private static readonly Lazy<string?> UnavailableLazy = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return "tmpfs mounts need Linux";
        try
        {
            using var probe = Mount(64 * 1024);
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            return $"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {ex.Message}";
        }
    });

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> bytes on a new temporary folder.</summary>
    /// <exception cref="InvalidOperationException">mount failed (its message says why).</exception>
    public static TmpfsMount Mount(long bytes)
    {
        string dir = Directory.CreateTempSubdirectory("dragvideo-tmpfs-").FullName;
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", dir);
        if (code != 0)
        {
            Directory.Delete(dir);
            throw new InvalidOperationException($"mount exited with {code}: {output.Trim()}");
        }
        return new TmpfsMount(dir);
    }

    /// <summary>Fills the file system until at most <paramref name="leaveBytes"/> bytes are free.</summary>
    public void Fill(long leaveBytes)
    {
        var free = new DriveInfo(Path).AvailableFreeSpace;
        if (free <= leaveBytes) return;
        using var f = new FileStream(System.IO.Path.Combine(Path, "filler.bin"), FileMode.Create);
        var block = new byte[4096];
        long toWrite = free - leaveBytes;
        try
        {
            while (toWrite > 0)
            {
                int n = (int)Math.Min(block.Length, toWrite);
                f.Write(block, 0, n);
                toWrite -= n;
            }
            f.Flush();
        }
        catch (IOException) { /* full already: that is the point */ }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Run("umount", "-l", Path);
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }

    private static (int Code, string Output) Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{exe} could not be started");
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }
}

/// <summary>A fact that needs <see cref="TmpfsMount"/>; skipped, with the reason, where mounting is impossible.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when a tmpfs cannot be mounted here.</summary>
    public TmpfsFactAttribute()
    {
        if (TmpfsMount.Unavailable is string reason) Skip = reason;
    }
}
