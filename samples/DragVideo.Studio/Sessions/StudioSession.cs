using DragVideo.Studio.Clips;
using DragVideo.Studio.Runs;

namespace DragVideo.Studio.Sessions;

/// <summary>
/// One browser session (a cookie): its loaded clips and its runs. At most one run is active at a time
/// (<see cref="TryBeginRun"/>); a second one gets a "busy" answer.
/// </summary>
public sealed class StudioSession : IDisposable
{
    private readonly object _gate = new();
    private readonly List<StudioClip> _clips = new();
    private readonly Dictionary<string, StudioRun> _runs = new(StringComparer.Ordinal);
    private StudioRun? _active;

    /// <summary>Creates a session.</summary>
    public StudioSession(string id, int maxClips)
    {
        Id = id;
        MaxClips = maxClips;
    }

    /// <summary>Server-generated id (the cookie value).</summary>
    public string Id { get; }

    private static long _clock;

    /// <summary>A logical time stamp of the last use (strictly increasing across sessions).</summary>
    public long LastSeen { get; private set; } = Interlocked.Increment(ref _clock);

    /// <summary>Marks the session as used now.</summary>
    public void Touch() => LastSeen = Interlocked.Increment(ref _clock);

    /// <summary>Clips kept; adding more drops the oldest one not used by the active run.</summary>
    public int MaxClips { get; }

    /// <summary>The run in progress, or null.</summary>
    public StudioRun? ActiveRun { get { lock (_gate) return _active; } }

    /// <summary>Adds a clip, dropping (and disposing) the oldest idle clips beyond <see cref="MaxClips"/>.</summary>
    public void AddClip(StudioClip clip)
    {
        List<StudioClip> dropped = new();
        lock (_gate)
        {
            _clips.Add(clip);
            while (_clips.Count > MaxClips)
            {
                var victim = _clips.FirstOrDefault(c => c != clip && c.Id != _active?.ClipId);
                if (victim is null) break;
                _clips.Remove(victim);
                foreach (var r in _runs.Values.Where(r => r.ClipId == victim.Id).ToList()) _runs.Remove(r.Id);
                dropped.Add(victim);
            }
        }
        foreach (var c in dropped) c.Dispose();
    }

    /// <summary>The clip with this id, or null.</summary>
    public StudioClip? FindClip(string id)
    {
        lock (_gate) return _clips.FirstOrDefault(c => c.Id == id);
    }

    /// <summary>The run with this id, or null.</summary>
    public StudioRun? FindRun(string id)
    {
        lock (_gate) return _runs.GetValueOrDefault(id);
    }

    /// <summary>Registers <paramref name="run"/> as the active run unless another run is still going.</summary>
    /// <returns>false (and the run that blocks it) when the session is busy.</returns>
    public bool TryBeginRun(StudioRun run, out StudioRun? blocking)
    {
        lock (_gate)
        {
            if (_active is { IsFinished: false })
            {
                blocking = _active;
                return false;
            }
            _active = run;
            _runs[run.Id] = run;
            blocking = null;
            return true;
        }
    }

    /// <summary>Clears the active run when it is <paramref name="run"/>.</summary>
    public void EndRun(StudioRun run)
    {
        lock (_gate) if (ReferenceEquals(_active, run)) _active = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        List<StudioClip> clips;
        lock (_gate)
        {
            _active?.Cancel();
            clips = _clips.ToList();
            _clips.Clear();
        }
        foreach (var c in clips) c.Dispose();
    }
}
