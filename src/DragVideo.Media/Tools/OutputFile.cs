namespace DragVideo.Media;

/// <summary>
/// Writes outputs atomically: the caller writes to <see cref="TempPath"/> (in the target folder, so the final move is a
/// rename) and calls <see cref="Commit"/>; disposing without committing deletes the temporary file. An existing output
/// that is a symbolic link is refused up front (replacing it would silently turn the link into a regular file).
/// </summary>
internal sealed class OutputFile : IDisposable
{
    private bool _committed;

    public OutputFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FinalPath = Path.GetFullPath(path);
        if (new FileInfo(FinalPath).LinkTarget is string link)
            throw new IOException($"'{FinalPath}' is a symbolic link (to '{link}'); it is not replaced by a regular file. " +
                                  "Give the link's target as the output path, or remove the link.");
        string dir = Path.GetDirectoryName(FinalPath)!;
        Directory.CreateDirectory(dir);
        TempPath = Path.Combine(dir, $".{Path.GetFileName(FinalPath)}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>Where the output ends up.</summary>
    public string FinalPath { get; }

    /// <summary>Where to write it first.</summary>
    public string TempPath { get; }

    /// <summary>Moves the finished temporary file into place (replacing an existing file).</summary>
    public void Commit()
    {
        if (!File.Exists(TempPath) || new FileInfo(TempPath).Length == 0)
            throw new IOException($"the tool produced no output for {FinalPath}.");
        File.Move(TempPath, FinalPath, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed && File.Exists(TempPath))
        {
            try { File.Delete(TempPath); } catch (IOException) { }
        }
    }
}
