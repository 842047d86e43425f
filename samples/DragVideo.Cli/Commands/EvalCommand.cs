using System.CommandLine;
using System.Diagnostics;
using DragVideo.Cli.Demo;
using DragVideo.Editing.FullResolution;
using DragVideo.Editing.Metrics;
using DragVideo.Media;
using DragVideo.Tracking;
using Spectre.Console;

namespace DragVideo.Cli.Commands;

/// <summary>
/// <c>dragvideo eval &lt;original&gt; &lt;edited&gt; --drag request.json</c>: the weight-free edit metrics of an edited video
/// (drag accuracy, Eq. 8 temporal consistency + warp error, PSNR/MAE outside the mask).
/// </summary>
internal sealed class EvalCommand : ICliCommand
{
    public Command Build()
    {
        var original = new Argument<string>("original") { Description = "The original video." };
        var edited = new Argument<string>("edited") { Description = "The edited video (same frame count and size after decoding)." };
        var drag = new Option<string>("--drag") { Description = "The drag-request JSON the edit followed (coordinates of the decoded frames).", Required = true };
        var report = new Option<string?>("--report") { Description = "Also write the metrics as JSON to this file." };
        var fullRate = new Option<bool>("--full-rate")
        {
            Description = "Measure the whole videos at their own size and frame rate, streamed (for edits made with the default full-rate `edit`); the drag request is in source pixels and frames.",
        };
        var stride = new Option<int?>("--frame-stride")
        {
            Description = "Measure every n-th frame (pairs t, t+1 for t = 0, n, 2n, …). Default 1; with --full-rate, two pairs a second.",
        };
        var read = new VideoReadCliOptions();
        var command = new Command("eval", "Measure an edit: drag accuracy, temporal consistency (Eq. 8) and fidelity outside the mask.");
        command.Options.Add(fullRate);
        command.Options.Add(stride);
        command.Arguments.Add(original);
        command.Arguments.Add(edited);
        command.Options.Add(drag);
        command.Options.Add(report);
        read.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, () =>
        {
            int? n = parse.GetValue(stride);
            if (n is < 1) throw new ArgumentException($"--frame-stride must be at least 1; got {n}.");
            if (!parse.GetValue(fullRate))
                return RunAsync(parse.GetValue(original)!, parse.GetValue(edited)!, parse.GetValue(drag)!, parse.GetValue(report), read.Read(parse), read.Budget(parse), n ?? 1, ct);
            var excerptOnly = new Option[] { read.Kps, read.MaxFrames, read.Start, read.Size, read.Pad }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
            if (excerptOnly is not null) throw new ArgumentException($"{excerptOnly.Name} does not apply with --full-rate (the videos are measured at their own size and rate).");
            return RunFullRateAsync(parse.GetValue(original)!, parse.GetValue(edited)!, parse.GetValue(drag)!, parse.GetValue(report), n, ct);
        }));
        return command;
    }

    /// <summary><c>--full-rate</c>: both videos streamed at full size; the instruction propagated as the full-rate edit does.</summary>
    private static async Task<int> RunFullRateAsync(string originalPath, string editedPath, string dragPath, string? reportPath, int? stride, CancellationToken ct)
    {
        OutputFiles.CheckInput(originalPath, "original video");
        OutputFiles.CheckInput(editedPath, "edited video");
        OutputFiles.CheckInput(dragPath, "drag request");
        string? reportFull = reportPath is null ? null : Path.GetFullPath(reportPath);
        if (reportFull is not null)
        {
            OutputFiles.RefuseLinkOrFolder(reportFull, "--report");
            OutputFiles.EnsureWritableDirectory(Path.GetDirectoryName(reportFull)!);
        }
        TorchRuntime.EnsureLoaded();
        var source = Media.Streaming.StreamingProbe.Probe(originalPath, ct);
        var request = DragRequestJson.Load(dragPath, source.Width, source.Height, source.FrameCountHint);
        int n = stride ?? Math.Max(1, (int)Math.Round(source.Fps / 2));
        var watch = Stopwatch.StartNew();
        var working = await new FullResolutionEditor().PropagateFileAsync(originalPath, request, ct).ConfigureAwait(false);
        var metrics = new FileEditMetrics(new EditMetricsOptions { FrameStride = n })
            .Measure(originalPath, editedPath, working.Instruction, working.SourceIndices, working.Width, working.Height, ct);
        watch.Stop();
        AnsiConsole.MarkupLineInterpolated($"{source.FrameCountHint} frames {source.Width}×{source.Height}, every {n}th pair measured ({metrics.FrameDragDistances.Count} pairs) in {watch.Elapsed.TotalSeconds:0.0} s.");
        MetricsTable.Print(metrics);
        if (reportFull is not null)
        {
            OutputFiles.WriteTextAtomic(reportFull, System.Text.Json.JsonSerializer.Serialize(metrics, RunReport.Json));
            AnsiConsole.MarkupLineInterpolated($"report: {reportFull}");
        }
        return 0;
    }

    private static Task<int> RunAsync(string originalPath, string editedPath, string dragPath, string? reportPath,
        VideoReadOptions readOptions, long budget, int stride, CancellationToken ct)
    {
        OutputFiles.CheckInput(originalPath, "original video");
        OutputFiles.CheckInput(editedPath, "edited video");
        OutputFiles.CheckInput(dragPath, "drag request");
        string? reportFull = null;
        if (reportPath is not null)
        {
            reportFull = Path.GetFullPath(reportPath);
            OutputFiles.RefuseLinkOrFolder(reportFull, "--report");
            OutputFiles.EnsureWritableDirectory(Path.GetDirectoryName(reportFull)!);
        }
        var originalEstimate = MemoryPlan.Check(originalPath, readOptions, budget, "eval", clips: 2);
        var editedEstimate = DecodeEstimate.For(editedPath, readOptions);
        CliRunner.UseOneTorchThread();

        using var original = VideoReader.Read(originalPath, readOptions, ct);
        MemoryPlan.WarnIfShort(originalEstimate, original.FrameCount, originalPath);
        using var edited = VideoReader.Read(editedPath, readOptions, ct);
        MemoryPlan.WarnIfShort(editedEstimate, edited.FrameCount, editedPath);
        if (original.FrameCount != edited.FrameCount || original.Width != edited.Width || original.Height != edited.Height)
            throw new InvalidMediaException(
                $"the videos decode to {original.FrameCount}×{original.Width}×{original.Height} and {edited.FrameCount}×{edited.Width}×{edited.Height} (frames×W×H); " +
                "use the same --kps, --max-frames and --size the edit used.");
        var request = DragRequestJson.Load(dragPath, original.Width, original.Height, original.FrameCount);

        var watch = Stopwatch.StartNew();
        var instruction = new DragInstructionPropagator().Propagate(original, request, ct);
        var metrics = new EditMetrics(new PyramidalOpticalFlow(), null, new EditMetricsOptions { FrameStride = stride }).Measure(original, edited, instruction, ct);
        watch.Stop();

        AnsiConsole.MarkupLineInterpolated($"{original.FrameCount} frames {original.Width}×{original.Height}; measured in {watch.Elapsed.TotalSeconds:0.0} s.");
        MetricsTable.Print(metrics);
        if (reportFull is not null)
        {
            var json = System.Text.Json.JsonSerializer.Serialize(metrics, RunReport.Json);
            OutputFiles.WriteTextAtomic(reportFull, json);
            AnsiConsole.MarkupLineInterpolated($"report: {reportFull}");
        }
        return Task.FromResult(0);
    }
}
