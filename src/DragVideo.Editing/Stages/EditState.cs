using System.Diagnostics;

namespace DragVideo.Editing.Stages;

/// <summary>
/// The one per-edit state the stages share: the request, progress and cancellation, the stage clock, and the cache
/// writes that only a finished edit commits (<see cref="PendingCacheWrites"/>). Dispose frees uncommitted writes.
/// </summary>
internal sealed class EditState : IDisposable
{
    private readonly IProgress<EditProgress>? _progress;
    private readonly Dictionary<EditStage, TimeSpan> _timings = new();
    private readonly Stopwatch _lap = Stopwatch.StartNew();

    public EditState(VideoClip clip, DragRequest request, IProgress<EditProgress>? progress, CancellationToken cancellationToken)
    {
        Clip = clip;
        Request = request;
        _progress = progress;
        Cancellation = cancellationToken;
    }

    /// <summary>The clip being edited (never modified).</summary>
    public VideoClip Clip { get; }

    /// <summary>The validated request.</summary>
    public DragRequest Request { get; }

    /// <summary>Checked by every stage.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>The caller's progress sink, when there is one (inner loops report through it).</summary>
    public IProgress<EditProgress>? Progress => _progress;

    /// <summary>Cache entries produced by this edit, written only when it finishes.</summary>
    public PendingCacheWrites Writes { get; } = new();

    /// <summary>Wall time per stage.</summary>
    public IReadOnlyDictionary<EditStage, TimeSpan> Timings => _timings;

    /// <summary>Reports to the caller.</summary>
    public void Report(EditStage stage, int step, int total, string? message = null, double? loss = null, double? distance = null) =>
        _progress?.Report(new EditProgress(stage, step, total, message, loss, distance));

    /// <summary>Charges the time since the last lap to <paramref name="stage"/> and starts the next lap.</summary>
    public void Lap(EditStage stage)
    {
        Charge(stage, _lap.Elapsed);
        _lap.Restart();
    }

    /// <summary>Runs <paramref name="work"/>, charges its time to <paramref name="stage"/> and keeps it out of the current lap.</summary>
    public T Time<T>(EditStage stage, Func<T> work)
    {
        var watch = Stopwatch.StartNew();
        var result = work();
        Charge(stage, watch.Elapsed);
        _lap.Restart();
        return result;
    }

    /// <inheritdoc />
    public void Dispose() => Writes.Dispose();

    private void Charge(EditStage stage, TimeSpan time) => _timings[stage] = _timings.GetValueOrDefault(stage) + time;
}
