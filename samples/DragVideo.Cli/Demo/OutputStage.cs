namespace DragVideo.Cli.Demo;

/// <summary>
/// All-or-nothing outputs for one command: every file is first written into a hidden staging folder inside the output
/// folder (same file system, so the final moves are renames) and moved into place only by <see cref="Commit"/>, after
/// everything was written and checked. Disposing without committing — an error, a cancellation, Ctrl+C — deletes the
/// staging folder, and the output folder too when this command created it and it is still empty, so an interrupted run
/// leaves nothing behind and previous outputs untouched.
/// </summary>
internal sealed class OutputStage : IDisposable
{
    private readonly List<(string Staged, string Final)> _files = new();
    private readonly bool _createdFolder;
    private bool _committed;

    /// <summary>Creates (if needed) and checks <paramref name="folder"/>, and a staging folder inside it.</summary>
    /// <exception cref="UnauthorizedAccessException">the folder cannot be created or written.</exception>
    public OutputStage(string folder)
    {
        Folder = Path.GetFullPath(folder);
        _createdFolder = !Directory.Exists(Folder);
        OutputFiles.EnsureWritableDirectory(Folder);
        StagingFolder = Path.Combine(Folder, $".dragvideo-staging-{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(StagingFolder);
    }

    /// <summary>The output folder.</summary>
    public string Folder { get; }

    /// <summary>Where the files are written first.</summary>
    public string StagingFolder { get; }

    /// <summary>Registers <paramref name="finalPath"/> (a file in <see cref="Folder"/>) and returns the path to write it to.</summary>
    /// <exception cref="ArgumentException">the final path is a folder or a symbolic link.</exception>
    public string Add(string finalPath)
    {
        string full = Path.GetFullPath(finalPath);
        OutputFiles.RefuseLinkOrFolder(full, "output");
        string staged = Path.Combine(StagingFolder, Path.GetFileName(full));
        _files.Add((staged, full));
        return staged;
    }

    /// <summary>Moves every staged file into place (each move a rename; existing files of those names are replaced).</summary>
    /// <exception cref="IOException">a staged file is missing: the command did not write everything it registered.</exception>
    public void Commit()
    {
        foreach (var (staged, _) in _files)
            if (!File.Exists(staged)) throw new IOException($"'{Path.GetFileName(staged)}' was not written; no output was moved into place.");
        foreach (var (staged, final) in _files) File.Move(staged, final, overwrite: true);
        _committed = true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            if (Directory.Exists(StagingFolder)) Directory.Delete(StagingFolder, recursive: true);
            if (!_committed && _createdFolder && Directory.Exists(Folder) && !Directory.EnumerateFileSystemEntries(Folder).Any())
                Directory.Delete(Folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"warning: could not remove the staging folder {StagingFolder}: {ex.Message}");
        }
    }
}
