using System.Threading.Channels;

namespace DragVideo.Studio.Runs;

/// <summary>
/// One edit run: its cancellation, its event history (replayed to late subscribers) and live subscribers, and where its
/// result lives once complete.
/// </summary>
public sealed class StudioRun
{
    /// <summary>Events kept for replay; beyond this only terminal events are kept.</summary>
    public const int MaxHistory = 4000;

    private readonly object _gate = new();
    private readonly List<RunEvent> _history = new();
    private readonly List<Channel<RunEvent>> _subscribers = new();
    private readonly CancellationTokenSource _cts = new();

    /// <summary>Creates a run of clip <paramref name="clipId"/> whose files go to <paramref name="folder"/>.</summary>
    public StudioRun(string id, string clipId, string folder)
    {
        Id = id;
        ClipId = clipId;
        Folder = folder;
    }

    /// <summary>Server-generated id.</summary>
    public string Id { get; }

    /// <summary>The clip being edited.</summary>
    public string ClipId { get; }

    /// <summary>The run's folder (removed on cancel or failure).</summary>
    public string Folder { get; }

    /// <summary>The edited video, present only after completion.</summary>
    public string ResultVideoPath => Path.Combine(Folder, "edited.mp4");

    /// <summary>Side-by-side original | edited video, present only after completion.</summary>
    public string SideBySideVideoPath => Path.Combine(Folder, "side-by-side.mp4");

    /// <summary>Cancelled when the user cancels.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Current status.</summary>
    public RunStatus Status { get; private set; } = RunStatus.Running;

    /// <summary>True once the run completed, failed or was cancelled.</summary>
    public bool IsFinished => Status != RunStatus.Running;

    /// <summary>The terminal event once finished.</summary>
    public RunEvent? Outcome { get; private set; }

    /// <summary>The background task executing the run (completes after the terminal event).</summary>
    public Task Completion { get; internal set; } = Task.CompletedTask;

    /// <summary>Asks the run to stop; the editor honours it within one step.</summary>
    public void Cancel()
    {
        try { _cts.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Records an event and sends it to every subscriber; a terminal event sets the status and ends the streams.</summary>
    public void Publish(RunEvent e, RunStatus? finalStatus = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        lock (_gate)
        {
            if (IsFinished) return;
            if (_history.Count < MaxHistory || e.IsTerminal) _history.Add(e);
            foreach (var s in _subscribers) s.Writer.TryWrite(e);
            if (e.IsTerminal)
            {
                Status = finalStatus ?? RunStatus.Completed;
                Outcome = e;
                foreach (var s in _subscribers) s.Writer.TryComplete();
                _subscribers.Clear();
            }
        }
    }

    /// <summary>All events so far followed by live ones, ending after the terminal event.</summary>
    public async IAsyncEnumerable<RunEvent> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<RunEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            foreach (var e in _history) channel.Writer.TryWrite(e);
            if (IsFinished) channel.Writer.TryComplete();
            else _subscribers.Add(channel);
        }
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return e;
        }
        finally
        {
            lock (_gate) _subscribers.Remove(channel);
        }
    }
}
