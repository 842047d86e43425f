using DragVideo.Studio.Clips;
using DragVideo.Studio.Engine;
using DragVideo.Studio.Runs;
using DragVideo.Studio.Sessions;

namespace DragVideo.Studio.Hosting;

/// <summary>Everything the endpoints share: settings, the engine, sessions, the library, runs and the work folder.</summary>
public sealed class StudioContext : IDisposable
{
    /// <summary>Creates the context and its work folder (new, or an existing empty folder).</summary>
    /// <param name="options">start-up settings.</param>
    /// <param name="engine">the SDK operations.</param>
    /// <param name="logger">the app's logger.</param>
    /// <param name="loopbackOnly">the server listens on loopback addresses only: requests must name a loopback host.</param>
    /// <exception cref="IOException">the work folder is a file or a non-empty folder.</exception>
    public StudioContext(StudioOptions options, IStudioEngine engine, ILogger logger, bool loopbackOnly = true)
    {
        Options = options;
        Engine = engine;
        WorkFolder = Path.GetFullPath(options.WorkFolder ?? Path.Combine(Path.GetTempPath(), "dragvideo-studio-" + Ids.New()));
        if (File.Exists(WorkFolder)) throw new IOException($"the work folder '{WorkFolder}' is a file.");
        OwnsWorkFolder = !Directory.Exists(WorkFolder);
        if (!OwnsWorkFolder && Directory.EnumerateFileSystemEntries(WorkFolder).Any())
            throw new IOException($"the work folder '{WorkFolder}' is not empty; the Studio only works in a new or empty folder, so it never deletes files it did not create.");
        Directory.CreateDirectory(UploadsFolder);
        Directory.CreateDirectory(ClipsFolder);
        Budget = new StudioBudget(options.MaxMemoryBytes, options.MaxConcurrentRuns);
        AllowedHosts = loopbackOnly ? new[] { "localhost", "127.0.0.1", "[::1]", "::1" } : null;
        Sessions = new SessionStore(options.MaxClipsPerSession);
        Library = new VideoLibrary(options.VideosFolder);
        Runs = new RunCoordinator(options.StepDelay, logger);
    }

    /// <summary>The server-wide memory and run budget.</summary>
    public StudioBudget Budget { get; }

    /// <summary>Host names requests may name (loopback-only servers), or null for any.</summary>
    public IReadOnlyList<string>? AllowedHosts { get; }

    /// <summary>Start-up settings.</summary>
    public StudioOptions Options { get; }

    /// <summary>The SDK operations.</summary>
    public IStudioEngine Engine { get; }

    /// <summary>Browser sessions.</summary>
    public SessionStore Sessions { get; }

    /// <summary>Videos offered from <c>--videos</c>.</summary>
    public VideoLibrary Library { get; }

    /// <summary>Starts runs.</summary>
    public RunCoordinator Runs { get; }

    /// <summary>Root of everything the app writes.</summary>
    public string WorkFolder { get; }

    /// <summary>
    /// True when the app created <see cref="WorkFolder"/> and removes it at shutdown; otherwise the folder was empty at
    /// start and only the <see cref="UploadsFolder"/> and <see cref="ClipsFolder"/> the app created in it are removed.
    /// </summary>
    public bool OwnsWorkFolder { get; }

    /// <summary>Uploads land here under server-generated names, and are deleted once decoded.</summary>
    public string UploadsFolder => Path.Combine(WorkFolder, "uploads");

    /// <summary>One sub-folder per loaded clip (named by its id), holding its videos and runs.</summary>
    public string ClipsFolder => Path.Combine(WorkFolder, "clips");

    /// <inheritdoc />
    public void Dispose()
    {
        // Stop running edits first and let them unwind (they read the clips' tensors), then free everything.
        var running = Sessions.All.Select(s => s.ActiveRun).OfType<Runs.StudioRun>().ToList();
        foreach (var r in running) r.Cancel();
        Task.WaitAll(running.Select(r => r.Completion).ToArray(), TimeSpan.FromSeconds(30));
        Sessions.Dispose();
        foreach (var dir in OwnsWorkFolder ? new[] { WorkFolder } : new[] { UploadsFolder, ClipsFolder })
        {
            try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
    }
}
