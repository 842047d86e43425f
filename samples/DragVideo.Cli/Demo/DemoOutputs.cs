using DragVideo.Media;
using TorchSharp;

namespace DragVideo.Cli.Demo;

/// <summary>
/// The files every demo writes (edited, overlay, contact sheet, original, request; report.json last), staged in an
/// <see cref="OutputStage"/> so the caller commits them all at once.
/// </summary>
internal static class DemoOutputs
{
    /// <summary>Writes the common files plus <paramref name="extraVideos"/> (key → file name, clip) into the stage; returns
    /// the final paths and their staged twins, both keyed by name, with "report" reserved for the caller to write.</summary>
    public static (Dictionary<string, string> Files, Dictionary<string, string> Staged) Write(OutputStage stage, string dir, VideoClip original,
        EditResult result, torch.Tensor contactSheet, DragRequest request, CancellationToken ct,
        IReadOnlyDictionary<string, (string FileName, VideoClip Clip)>? extraVideos = null)
    {
        var files = new Dictionary<string, string>
        {
            ["edited"] = Path.Combine(dir, "edited.mp4"),
            ["overlay"] = Path.Combine(dir, "overlay.mp4"),
            ["contactSheet"] = Path.Combine(dir, "contact-sheet.png"),
            ["original"] = Path.Combine(dir, "original.mp4"),
        };
        foreach (var (key, (name, _)) in extraVideos ?? new Dictionary<string, (string, VideoClip)>()) files[key] = Path.Combine(dir, name);
        files["request"] = Path.Combine(dir, "request.json");
        files["report"] = Path.Combine(dir, "report.json");
        var staged = files.ToDictionary(f => f.Key, f => stage.Add(f.Value));
        VideoWriter.WriteMp4(result.EditedClip, staged["edited"], cancellationToken: ct);
        using (var overlay = InstructionOverlay.Render(original, result.Instruction))
            VideoWriter.WriteMp4(overlay, staged["overlay"], cancellationToken: ct);
        ImageFile.Write(contactSheet, staged["contactSheet"], ct);
        VideoWriter.WriteMp4(original, staged["original"], cancellationToken: ct);
        foreach (var (key, (_, clip)) in extraVideos ?? new Dictionary<string, (string, VideoClip)>())
            VideoWriter.WriteMp4(clip, staged[key], cancellationToken: ct);
        DragRequestJson.Save(request, staged["request"]);
        return (files, staged);
    }
}
