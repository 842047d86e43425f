using DragVideo.Studio.Clips;
using DragVideo.Studio.Engine;
using DragVideo.Studio.Runs;
using DragVideo.Studio.Sessions;

namespace DragVideo.Studio.Hosting;

/// <summary>Everything the endpoints share: settings, the engine, sessions, the library, runs and the work folder.</summary>
public sealed class StudioContext : IDisposable
{
    /// <summary>Creates the context and its work folder.</summary>
    public StudioContext(StudioOptions options, IStudioEngine engine, ILogger logger)
    {
        Options = options;
        Engine = engine;
        OwnsWorkFolder = options.WorkFolder is null;
        WorkFolder = options.WorkFolder ?? Path.Combine(Path.GetTempPath(), "dragvideo-studio-" + Ids.New());
        Directory.CreateDirectory(UploadsFolder);
        Directory.CreateDirectory(ClipsFolder);
        Sessions = new SessionStore(options.MaxClipsPerSession);
        Library = new VideoLibrary(options.VideosFolder);
        Runs = new RunCoordinator(options.StepDelay, logger);
    }

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

    /// <summary>True when the app created <see cref="WorkFolder"/> and removes it at shutdown.</summary>
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
