namespace DragVideo.Testing;

/// <summary>A fresh temporary folder, deleted with everything in it when disposed. The one temp-folder helper of the tests.</summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>Creates the folder under the system temp path, named <paramref name="prefix"/> + a random suffix.</summary>
    public TempFolder(string prefix = "dragvideo-test-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>The full path of <paramref name="name"/> inside the folder (not created).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Every file under the folder (recursive), relative names, sorted.</summary>
    public string[] Files() => Directory.GetFiles(Path, "*", SearchOption.AllDirectories)
        .Select(f => System.IO.Path.GetRelativePath(Path, f)).OrderBy(f => f, StringComparer.Ordinal).ToArray();

    /// <summary>Deletes the folder; a file still held open elsewhere leaves it behind rather than failing the test.</summary>
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
