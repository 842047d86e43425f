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
        RefuseLinkOrFolder(full, "--out");
        EnsureWritableDirectory(Path.GetDirectoryName(full)!);
        return full;
    }

    /// <summary>
    /// Checks an output folder path before any work: it must not be an existing file (or a link to one). Returns the
    /// full path; the folder itself is created when the outputs are written.
    /// </summary>
    public static string CheckOutputFolder(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            throw new ArgumentException($"--out '{path}' is a file; give a folder for the outputs (it is created if missing).");
        return full;
    }

    /// <summary>
    /// Refuses an output path that is a folder or a symbolic link: replacing a link (to /dev/full, to a file elsewhere)
    /// with a regular file would silently break it, and writing through it would bypass the temp-and-move.
    /// </summary>
    public static void RefuseLinkOrFolder(string full, string what)
    {
        var info = new FileInfo(full);
        if (info.LinkTarget is string target)
            throw new ArgumentException($"{what} '{full}' is a symbolic link (to '{target}'); give the real file path, or remove the link.");
        if (Directory.Exists(full)) throw new ArgumentException($"{what} '{full}' is a folder.");
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
