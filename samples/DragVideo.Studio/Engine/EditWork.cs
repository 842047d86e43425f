using DragVideo.Studio.Api;
using DragVideo.Studio.Clips;
using DragVideo.Studio.Hosting;
using DragVideo.Studio.Runs;

namespace DragVideo.Studio.Engine;

/// <summary>
/// The body of a run: edit, measure, then write the edited and side-by-side videos as temp files that are moved into
/// place only when both are complete (a cancelled run leaves nothing; the coordinator also removes the run folder).
/// </summary>
public static class EditWork
{
    /// <summary>Runs the edit and returns the "done" payload.</summary>
    public static async Task<object> RunAsync(StudioContext studio, StudioClip clip, StudioRun run, DragRequest request,
        EditParamsDto parameters, IProgress<EditProgress> progress, CancellationToken cancellationToken)
    {
        var engine = studio.Engine;
        // Before any step the handles sit at their key-frame positions: the distance to beat is the mean drag length.
        double initial = request.Keyframes.SelectMany(k => k.Pairs).Average(p => (double)p.Length);
        progress.Report(new EditProgress(EditStage.Preparing, 0, 1, $"starting the {engine.BackendName} backend", MeanHandleDistance: initial));
        using var result = await engine.EditAsync(clip.Clip, request, parameters, progress, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var metrics = engine.Metrics(clip.Clip, result.EditedClip, result.Instruction, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        string tmpEdited = Path.Combine(run.Folder, ".edited.partial.mp4");
        string tmpSide = Path.Combine(run.Folder, ".side-by-side.partial.mp4");
        engine.WriteMp4(result.EditedClip, tmpEdited);
        cancellationToken.ThrowIfCancellationRequested();
        using (var side = engine.SideBySide(clip.Clip, result.EditedClip))
            engine.WriteMp4(side, tmpSide);
        cancellationToken.ThrowIfCancellationRequested();
        File.Move(tmpEdited, run.ResultVideoPath, overwrite: true);
        File.Move(tmpSide, run.SideBySideVideoPath, overwrite: true);

        if (metrics.TryGetValue(MetricNames.DragDistance, out double final))
            progress.Report(new EditProgress(EditStage.Completed, 1, 1, "done", MeanHandleDistance: final));
        return new RunDoneDto(
            $"/api/runs/{run.Id}/edited.mp4",
            $"/api/clips/{clip.Id}/original.mp4",
            $"/api/runs/{run.Id}/side-by-side.mp4",
            result.Backend,
            metrics,
            result.StageTimings.ToDictionary(kv => kv.Key.ToString(), kv => Math.Round(kv.Value.TotalSeconds, 3)))
        {
            Notes = result.Notes,
        };
    }
}
