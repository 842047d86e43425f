namespace DragVideo.Studio.Clips;

/// <summary>
/// A loaded clip of one session: the decoded frames (owned), a display label and the server folder that holds its
/// files (named by id only). Dispose to free the frames and delete the folder.
/// </summary>
public sealed class StudioClip : IDisposable
{
    private readonly IDisposable? _reservation;

    /// <summary>Creates the entry; takes ownership of <paramref name="clip"/> and of the memory <paramref name="reservation"/>
    /// (given back on dispose).</summary>
    public StudioClip(string id, string displayName, VideoClip clip, string folder, ClipLoadSettings settings, IDisposable? reservation = null)
    {
        _reservation = reservation;
        Id = id;
        DisplayName = displayName;
        Clip = clip;
        Folder = folder;
        Settings = settings;
    }

    /// <summary>Server-generated id.</summary>
    public string Id { get; }

    /// <summary>Label shown in the page (sanitised; never a path).</summary>
    public string DisplayName { get; }

    /// <summary>The frames, <c>[F, 3, H, W]</c> float in [0, 1].</summary>
    public VideoClip Clip { get; }

    /// <summary>The clip's folder under the work folder.</summary>
    public string Folder { get; }

    /// <summary>Settings the clip was loaded with.</summary>
    public ClipLoadSettings Settings { get; }

    /// <summary>The clip re-encoded as MP4 for the page (written at load time).</summary>
    public string OriginalVideoPath => Path.Combine(Folder, "original.mp4");

    /// <summary>The latest instruction-overlay preview (written by "Propagate").</summary>
    public string PreviewVideoPath => Path.Combine(Folder, "preview.mp4");

    /// <summary>Serialises frame reads and previews on this clip (the tensor is shared).</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <inheritdoc />
    public void Dispose()
    {
        Clip.Dispose();
        Gate.Dispose();
        _reservation?.Dispose();
        try { if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true); }
        catch (IOException) { /* best effort: the work folder is removed at shutdown anyway */ }
        catch (UnauthorizedAccessException) { }
    }
}
