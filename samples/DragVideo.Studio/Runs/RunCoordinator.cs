using DragVideo.Studio.Api;
using DragVideo.Studio.Sessions;

namespace DragVideo.Studio.Runs;

/// <summary>The work of one run: edit, write the result into the run's folder (temp file + move), return the "done" payload.</summary>
public delegate Task<object> RunWork(StudioRun run, IProgress<EditProgress> progress, CancellationToken cancellationToken);

/// <summary>
/// Starts runs in the background, one at a time per session, and turns their outcome into the terminal event:
/// "done" with the work's payload, "cancelled" (the run's folder is deleted, so no partial files remain) or
/// "failed" with a message.
/// </summary>
public sealed class RunCoordinator
{
    private readonly TimeSpan _stepDelay;
    private readonly ILogger _logger;

    /// <summary>Creates the coordinator; <paramref name="stepDelay"/> is the test-only pause per step.</summary>
    public RunCoordinator(TimeSpan stepDelay, ILogger logger)
    {
        _stepDelay = stepDelay;
        _logger = logger;
    }

    /// <summary>
    /// Starts <paramref name="work"/> for clip <paramref name="clipId"/> of <paramref name="session"/>, in a new folder
    /// under <paramref name="runsRoot"/>.
    /// </summary>
    /// <exception cref="StudioBusyException">the session already has a run in progress.</exception>
    public StudioRun Start(StudioSession session, string clipId, string runsRoot, RunWork work)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(work);
        string id = Ids.New();
        var run = new StudioRun(id, clipId, Path.Combine(runsRoot, id));
        if (!session.TryBeginRun(run, out var blocking)) throw new StudioBusyException(blocking!.Id);
        Directory.CreateDirectory(run.Folder);
        run.Completion = Task.Run(() => ExecuteAsync(session, run, work));
        return run;
    }

    private async Task ExecuteAsync(StudioSession session, StudioRun run, RunWork work)
    {
        var sink = new RunProgressSink(run, _stepDelay);
        try
        {
            run.Token.ThrowIfCancellationRequested();
            object payload = await work(run, sink, run.Token).ConfigureAwait(false);
            run.Token.ThrowIfCancellationRequested();
            run.Publish(new RunEvent("done", payload), RunStatus.Completed);
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            DeleteFolder(run.Folder);
            run.Publish(new RunEvent("cancelled", new MessagePayload("Run cancelled; nothing was written.")), RunStatus.Cancelled);
        }
        catch (Exception ex)
        {
            DeleteFolder(run.Folder);
            _logger.LogError(ex, "Run {RunId} failed", run.Id);
            run.Publish(new RunEvent("failed", new MessagePayload(ApiErrorText.ForUser(ex))), RunStatus.Failed);
        }
        finally
        {
            session.EndRun(run);
        }
    }

    private void DeleteFolder(string folder)
    {
        try { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not remove {Folder}", folder);
        }
    }
}
