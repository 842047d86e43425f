using System.Diagnostics;
using DragVideo.Diffusion.Loading;
using DragVideo.Editing;
using DragVideo.Editing.Metrics;
using DragVideo.Media;
using DragVideo.ToyWorld;
using DragVideo.Tracking;
using Spectre.Console;
using TorchSharp;

namespace DragVideo.Cli.Demo;

/// <summary>
/// <c>dragvideo demo --backend diffusion</c>: the paper's whole pipeline (LoRA → DDIM inversion → drag with motion
/// supervision and tracking → Mutual Self-Attention denoising → decode) with the toy video diffusion model trained in
/// this repository, on a held-out toy-world scenario whose edited ground truth is known exactly.
/// </summary>
internal static class ToyDiffusionDemo
{
    /// <summary>The held-out scenario the demo drags (the trainer never saw seeds below 1,000,000).</summary>
    public const int DefaultScenarioSeed = 3;

    /// <summary>The toy model copied next to the executable at build time (models/toy-dragvideo in the repository).</summary>
    public static string DefaultModelPath => Path.Combine(AppContext.BaseDirectory, "models", "toy-dragvideo");

    public static async Task<int> RunAsync(string outDir, string? modelPath, int seed, int? loraSteps, int? dragSteps, CancellationToken ct)
    {
        string model = Path.GetFullPath(modelPath ?? DefaultModelPath);
        if (!Directory.Exists(model))
            throw new DirectoryNotFoundException($"toy model folder '{model}' does not exist (build the CLI from the repository, or pass --model <folder>).");
        if (loraSteps is < 0 or > 1000) throw new ArgumentException($"--lora-steps must be in [0, 1000]; got {loraSteps}.");
        if (dragSteps is < 0 or > 1000) throw new ArgumentException($"--drag-steps must be in [0, 1000]; got {dragSteps}.");
        string dir = OutputFiles.CheckOutputFolder(outDir);
        // All outputs are staged and moved into place together at the end: an error or Ctrl+C leaves nothing partial.
        using var stage = new OutputStage(dir);
        TorchRuntime.EnsureLoaded();

        using var scenario = ToyDragScenario.Create(seed);
        var clip = scenario.Original;
        AnsiConsole.MarkupLineInterpolated(
            $"DragVideo demo (diffusion backend, toy model): scenario {seed}, {clip.FrameCount} frames {clip.Width}×{clip.Height}; dragging a {scenario.Scene.Objects[scenario.Edit.ObjectIndex].Shape} {scenario.DragLength:0.0} px on frames {string.Join(", ", scenario.Keyframes)}.");
        using var loaded = StableDiffusionLoader.Load(model, cancellationToken: ct);
        using var editor = new DragVideoBuilder().UseModel(loaded).Configure(o =>
        {
            if (loraSteps is int l) o.Lora = o.Lora with { Steps = l };
            o.TrainLora = loraSteps is not 0;
            if (dragSteps is int d) o.Drag = o.Drag with { Steps = d };
        }).Build();

        var metrics = new EditMetrics(new PyramidalOpticalFlow());
        var metricsClock = new Stopwatch();
        var (result, report, truthReport) = await ProgressBar.RunAsync(async bar =>
        {
            var r = await editor.EditAsync(clip, scenario.Request, bar, ct).ConfigureAwait(false);
            metricsClock.Start();
            var m = await bar.StepAsync("Metrics", () => metrics.Measure(clip, r.EditedClip, r.Instruction, ct)).ConfigureAwait(false);
            var t = metrics.Measure(clip, scenario.GroundTruth, r.Instruction, ct);
            metricsClock.Stop();
            return (r, m, t);
        }).ConfigureAwait(false);
        using var _ = result;
        var score = ToyGroundTruthScore.Compute(scenario, result.EditedClip);

        Dictionary<string, string> files, staged;
        using (var sheet = ThreeRowSheet(clip, scenario.GroundTruth, result.EditedClip))
            (files, staged) = DemoOutputs.Write(stage, dir, clip, result, sheet, scenario.Request, ct,
                new Dictionary<string, (string, VideoClip)> { ["groundTruth"] = ("ground-truth.mp4", scenario.GroundTruth) });

        var run = new ToyRunReport(
            new RunReport(result.Backend, new ClipSummary(clip.FrameCount, clip.Width, clip.Height, clip.Fps, $"toy world scenario {seed} (held out)"),
                $"{scenario.Scene.Objects[scenario.Edit.ObjectIndex].Shape} moved by ({scenario.Edit.Dx:0.0}, {scenario.Edit.Dy:0.0}) px" +
                (scenario.Scales ? $" and scaled ×{scenario.Edit.Scale:0.00}" : "") + $" on frames {string.Join(", ", scenario.Keyframes)}",
                RunReport.Timings(result, metricsClock.Elapsed), report, AcceptanceChecks.From(report), files),
            model, score, truthReport.TemporalMaxFlow,
            truthReport.TemporalMaxFlow > 0 ? report.TemporalMaxFlow / truthReport.TemporalMaxFlow : null);
        OutputFiles.WriteTextAtomic(staged["report"], System.Text.Json.JsonSerializer.Serialize(run, RunReport.Json));
        ct.ThrowIfCancellationRequested();
        stage.Commit();

        MetricsTable.Print(report);
        AnsiConsole.MarkupLineInterpolated(
            $"drag distance {report.MeanInitialDragDistance:0.00} → {report.MeanDragDistance:0.00} px; PSNR vs ground truth: inside mask {score.PsnrInsideMask:0.0} dB, outside {score.PsnrOutsideMask:0.0} dB; Eq. 8 edited / ground truth {run.TemporalVsGroundTruth:0.00}; edit {run.Run.TimingsMs["editTotal"] / 1000:0.0} s.");
        foreach (var (name, path) in files) AnsiConsole.MarkupLineInterpolated($"  {name,-13} {path}");
        return 0;
    }

    /// <summary>Rows: original | ground truth | edited, four frames each.</summary>
    private static TorchSharp.torch.Tensor ThreeRowSheet(VideoClip original, VideoClip truth, VideoClip edited)
    {
        using var scope = torch.NewDisposeScope();
        var top = ContactSheet.Render(original, truth, 4);
        var bottom = ContactSheet.Render(edited, null, 4);
        int channelDim = (int)top.dim() - 3;
        var gap = torch.ones(top.shape.Select((s, i) => i == channelDim + 1 ? 4L : s).ToArray());
        return torch.cat(new[] { top, gap, bottom }, channelDim + 1).MoveToOuterDisposeScope();
    }
}

/// <summary>report.json of the diffusion demo: the usual run report plus the ground-truth comparison.</summary>
internal sealed record ToyRunReport(RunReport Run, string Model, ToyGroundTruthScore GroundTruth, double GroundTruthTemporalMaxFlow, double? TemporalVsGroundTruth);
