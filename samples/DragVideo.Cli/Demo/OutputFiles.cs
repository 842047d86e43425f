using System.Text;

namespace DragVideo.Cli.Demo;

/// <summary>Output-path checks done before any work, and atomic text writes (temp file, then move).</summary>
internal static class OutputFiles
{
    /// <summary>
    /// Makes sure <paramref name="directory"/> exists (creating it) and is writable, by creating and deleting a probe
    /// file. Throws <see cref="UnauthorizedAccessException"/> with a one-line reason otherwise.
    /// </summary>
    public static string EnsureWritableDirectory(string directory)
    {
        var full = Path.GetFullPath(directory);
        try
        {
            Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".dragvideo-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, Array.Empty<byte>());
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new UnauthorizedAccessException($"the output directory '{full}' is not writable ({ex.Message}).", ex);
        }
        return full;
    }

    /// <summary>
    /// Checks an output video path: extension .mp4 or .gif, directory writable (created if missing).
    /// Returns the full path.
    /// </summary>
    public static string CheckVideoOutput(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var ext = Path.GetExtension(full).ToLowerInvariant();
        if (ext is not (".mp4" or ".gif"))
            throw new ArgumentException($"--out must end in .mp4 or .gif; got '{path}'.");
        if (Directory.Exists(full))
            throw new ArgumentException($"--out '{path}' is a directory; give a file name ending in .mp4 or .gif.");
        EnsureWritableDirectory(Path.GetDirectoryName(full)!);
        return full;
    }

    /// <summary>Checks that an input file exists (one clear line otherwise).</summary>
    public static string CheckInput(string path, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"{what} '{path}' does not exist.", full);
        return full;
    }

    /// <summary>Writes text to a temporary file next to <paramref name="path"/>, then moves it into place.</summary>
    public static void WriteTextAtomic(string path, string text)
    {
        var tmp = path + $".tmp-{Guid.NewGuid():N}";
        try
        {
            File.WriteAllText(tmp, text, new UTF8Encoding(false));
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
