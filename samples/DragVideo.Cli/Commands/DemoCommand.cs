using System.CommandLine;
using System.Diagnostics;
using DragVideo.Cli.Demo;
using DragVideo.Editing.Fast;
using DragVideo.Editing.Metrics;
using DragVideo.Media;
using DragVideo.Tracking;
using Spectre.Console;

namespace DragVideo.Cli.Commands;

/// <summary>
/// <c>dragvideo demo</c>: the main job out of the box. Builds the embedded demo clip, drags the top of the disc 30 px up
/// with the fast weight-free backend, measures the edit and writes edited.mp4, overlay.mp4, contact-sheet.png,
/// original.mp4, request.json and report.json.
/// </summary>
internal sealed class DemoCommand : ICliCommand
{
    public Command Build()
    {
        var outOption = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => "dragvideo-demo" };
        var framesOption = new Option<int>("--frames") { Description = "Frames in the demo clip (2 … 64).", DefaultValueFactory = _ => DemoClip.DefaultFrames };
        var benchOption = new Option<int>("--bench")
        {
            Description = "Benchmark instead: run the fast edit this many times after one warm-up run, print the timings, write nothing.",
        };
        var deform = DeformOption.Create();
        var backendOption = new Option<string>("--backend")
        {
            Description = "fast (default: the weight-free warp, seconds) or diffusion (the paper's pipeline with the embedded toy model, minutes).",
            DefaultValueFactory = _ => "fast",
        };
        backendOption.AcceptOnlyFromAmong("fast", "diffusion");
        var modelOption = new Option<string?>("--model") { Description = "With --backend diffusion: a toy-model folder other than the embedded one." };
        var seedOption = new Option<int>("--seed")
        {
            Description = "With --backend diffusion: the held-out toy-world scenario to drag (0 … 999999).",
            DefaultValueFactory = _ => ToyDiffusionDemo.DefaultScenarioSeed,
        };
        var loraStepsOption = new Option<int?>("--lora-steps") { Description = "With --backend diffusion: LoRA steps (default: the paper's 100; 0 = no LoRA)." };
        var dragStepsOption = new Option<int?>("--drag-steps") { Description = "With --backend diffusion: drag optimisation steps (default: the paper's)." };
        var command = new Command("demo", "Run the built-in demo: drag an object in a generated clip (fast weight-free backend, or --backend diffusion with the toy model) and report quality metrics.");
        command.Options.Add(outOption);
        command.Options.Add(framesOption);
        command.Options.Add(benchOption);
        command.Options.Add(backendOption);
        command.Options.Add(modelOption);
        command.Options.Add(seedOption);
        command.Options.Add(loraStepsOption);
        command.Options.Add(dragStepsOption);
        command.Options.Add(deform);
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, () =>
        {
            if (parse.GetValue(backendOption) == "diffusion")
            {
                int seed = parse.GetValue(seedOption);
                if (seed is < 0 or >= 1_000_000) throw new ArgumentException($"--seed must be in [0, 999999] (held-out scenarios); got {seed}.");
                return ToyDiffusionDemo.RunAsync(parse.GetValue(outOption)!, parse.GetValue(modelOption), seed,
                    parse.GetValue(loraStepsOption), parse.GetValue(dragStepsOption), ct);
            }
            var mode = DeformOption.Parse(parse.GetValue(deform)!);
            if (parse.GetResult(benchOption) is null) return RunAsync(parse.GetValue(outOption)!, parse.GetValue(framesOption), mode, ct);
            int runs = parse.GetValue(benchOption);
            if (runs < 1 || runs > 1000) throw new ArgumentException($"--bench must be a number of runs from 1 to 1000; got {runs}.");
            return BenchAsync(parse.GetValue(framesOption), runs, mode, ct);
        }));
        return command;
    }

    private static async Task<int> RunAsync(string outDir, int frames, FastDeformationMode deform, CancellationToken ct)
    {
        if (frames < 2 || frames > 64) throw new ArgumentException($"--frames must be between 2 and 64; got {frames}.");
        string dir = OutputFiles.CheckOutputFolder(outDir);
        // Every output goes to a staging folder first and is moved into place at the very end: an error or Ctrl+C part-way
        // leaves neither partial files nor a mix of old and new outputs.
        using var stage = new OutputStage(dir);
        CliRunner.UseOneTorchThread();

        using var clip = DemoClip.Build(frames);
        var request = DemoClip.Request(frames);
        AnsiConsole.MarkupLine($"[bold]DragVideo demo[/]: {clip.FrameCount} frames {clip.Width}×{clip.Height} @ {clip.Fps} fps; " +
                               $"dragging the top of the disc {DemoClip.DragLength} px up (fast weight-free backend, {DeformOption.Name(deform)} mode).");

        var editor = new FastWarpDragEditor(new FastWarpOptions { Mode = deform });
        var metrics = new EditMetrics(new PyramidalOpticalFlow());
        var watch = new Stopwatch();
        var (result, report) = await ProgressBar.RunAsync(async bar =>
        {
            var r = await editor.EditAsync(clip, request, bar, ct).ConfigureAwait(false);
            watch.Start();
            var m = await bar.StepAsync("Metrics", () => metrics.Measure(clip, r.EditedClip, r.Instruction, ct)).ConfigureAwait(false);
            watch.Stop();
            return (r, m);
        }).ConfigureAwait(false);
        using var _ = result;

        Dictionary<string, string> files, staged;
        using (var sheet = ContactSheet.Render(clip, result.EditedClip, 4))
            (files, staged) = DemoOutputs.Write(stage, dir, clip, result, sheet, request, ct);

        var run = new RunReport(result.Backend,
            new ClipSummary(clip.FrameCount, clip.Width, clip.Height, clip.Fps, "embedded demo clip (generated by code)"),
            $"top of the disc dragged {DemoClip.DragLength} px up on frames 0 and {frames - 1}, mask = disc + {DemoClip.MaskMargin} px, {DeformOption.Name(deform)} mode",
            RunReport.Timings(result, watch.Elapsed), report, AcceptanceChecks.From(report), files);
        OutputFiles.WriteTextAtomic(staged["report"], run.ToJson());
        ct.ThrowIfCancellationRequested();
        stage.Commit();

        MetricsTable.Print(report);
        foreach (var note in result.Notes) AnsiConsole.MarkupLineInterpolated($"[yellow]note:[/] {note}");
        var acc = run.Acceptance;
        AnsiConsole.MarkupLine($"edit took {run.TimingsMs["editTotal"]:0} ms; metrics {run.TimingsMs["metrics"]:0} ms. " +
                               $"Acceptance: drag ≤ 2 px {Tick(acc.MeanDragDistanceAtMost2Px)}, PSNR ≥ 35 dB {Tick(acc.PsnrOutsideMaskAtLeast35Db)}, " +
                               $"Eq. 8 within 10 % {Tick(acc.TemporalWithin10PercentOfOriginal)}");
        foreach (var (name, path) in files) AnsiConsole.MarkupLineInterpolated($"  {name,-13} {path}");
        AnsiConsole.MarkupLineInterpolated($"Try: dragvideo eval {files["original"]} {files["edited"]} --drag {files["request"]}");
        if (deform == FastDeformationMode.Stretch)
            AnsiConsole.MarkupLine("Try: dragvideo demo --deform move   (moves the whole disc and fills the background it uncovers, instead of stretching it)");
        return 0;
    }

    /// <summary>Times the fast edit (propagation + warp) of the demo clip; median and range over the runs.</summary>
    private static async Task<int> BenchAsync(int frames, int runs, FastDeformationMode deform, CancellationToken ct)
    {
        if (frames < 2 || frames > 64) throw new ArgumentException($"--frames must be between 2 and 64; got {frames}.");
        CliRunner.UseOneTorchThread();
        using var clip = DemoClip.Build(frames);
        var request = DemoClip.Request(frames);
        var editor = new FastWarpDragEditor(new FastWarpOptions { Mode = deform });
        (await editor.EditAsync(clip, request, cancellationToken: ct).ConfigureAwait(false)).Dispose();   // warm-up
        var total = new List<double>();
        var propagation = new List<double>();
        var warping = new List<double>();
        var cpu = new List<double>();
        var process = Process.GetCurrentProcess();
        for (int i = 0; i < runs; i++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            using var result = await editor.EditAsync(clip, request, cancellationToken: ct).ConfigureAwait(false);
            total.Add(watch.Elapsed.TotalMilliseconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
            propagation.Add(result.StageTimings[EditStage.Propagation].TotalMilliseconds);
            warping.Add(result.StageTimings[EditStage.Warping].TotalMilliseconds);
        }
        static string Stat(List<double> v)
        {
            var s = v.Order().ToList();
            return $"median {s[s.Count / 2],7:0} ms  (min {s[0]:0}, max {s[^1]:0})";
        }
        Console.WriteLine($"fast-warp ({DeformOption.Name(deform)} mode) on the demo clip, {frames} frames {clip.Width}×{clip.Height}, {runs} runs after a warm-up, torch threads {TorchSharp.torch.get_num_threads()}:");
        Console.WriteLine($"  total        {Stat(total)}");
        Console.WriteLine($"  propagation  {Stat(propagation)}");
        Console.WriteLine($"  warping      {Stat(warping)}");
        // CPU time is less sensitive than wall time to other processes sharing the machine.
        Console.WriteLine($"  process CPU  {Stat(cpu)}  (all threads; load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a")})");
        return 0;
    }

    private static string Tick(bool? ok) => ok switch { true => "[green]yes[/]", false => "[red]no[/]", null => "n/a" };
}
