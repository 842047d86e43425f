using System.CommandLine;
using DragVideo.Cli.Demo;
using DragVideo.Diffusion.Loading;
using DragVideo.Editing;
using DragVideo.Editing.Fast;
using DragVideo.Editing.FullResolution;
using DragVideo.Media;
using DragVideo.Tracking;
using Spectre.Console;

namespace DragVideo.Cli.Commands;

/// <summary>
/// <c>dragvideo edit &lt;video&gt; --drag request.json --out edited.mp4 [--model SD1.5 --motion adapter]</c>: edits the
/// whole video — every frame at its native size and rate, audio copied — streaming through ffmpeg
/// (<see cref="FullResolutionEditor"/>); with <c>--excerpt</c>, edits and returns the decoded working excerpt instead
/// (the paper's setting). Runs the diffusion editor when both model paths are given, the fast weight-free backend
/// otherwise, and says which. Every input is checked before any work; the output is written to a temporary file,
/// checked and moved into place.
/// </summary>
internal sealed class EditCommand : ICliCommand
{
    public Command Build()
    {
        var video = new Argument<string>("video") { Description = "The video to edit (any format ffmpeg reads)." };
        var drag = new Option<string>("--drag") { Description = "Drag-request JSON (coordinates of the decoded frames; see docs).", Required = true };
        var output = new Option<string>("--out") { Description = "Output file (.mp4 or .gif).", Required = true };
        var model = new Option<string?>("--model") { Description = "Stable Diffusion 1.5 folder (diffusers layout) or single file: selects the diffusion backend." };
        var motion = new Option<string?>("--motion") { Description = "AnimateDiff motion adapter (folder or file); required with --model." };
        var tokenizer = new Option<string?>("--tokenizer")
        {
            Description = "CLIP tokenizer folder (vocab.json + merges.txt) for a single-file --model that has no tokenizer/ folder next to it.",
        };
        var deform = DeformOption.Create();
        var allowPickle = new Option<bool>("--allow-pickle")
        {
            Description = "Allow pickle checkpoints (.ckpt/.pt/.bin, e.g. an original AnimateDiff motion module), read with the restricted tensor-only reader.",
        };
        var excerpt = new Option<bool>("--excerpt")
        {
            Description = "Edit only the decoded excerpt (--kps, --max-frames, --start, --size, --pad) and write it, as the paper does. Default: the whole video at its size and frame rate, with its audio.",
        };
        var keyframeRate = new Option<double>("--keyframe-rate")
        {
            Description = "Full-rate edit: working key frames per second the drag is propagated to (0 = every frame; default 10; at most 24 frames in all for the diffusion backend).",
            DefaultValueFactory = _ => 10,
        };
        var workingWidth = new Option<int?>("--working-width") { Description = "Full-rate edit: width of the working clip (default 320 for the fast backend, 512 for the diffusion backend)." };
        var crf = new Option<int>("--crf") { Description = "Full-rate edit: x264 quality, 0 = lossless … 51 (default 18).", DefaultValueFactory = _ => 18 };
        var preset = new Option<string>("--preset") { Description = "Full-rate edit: x264 preset, ultrafast … veryslow (default medium).", DefaultValueFactory = _ => "medium" };
        var read = new VideoReadCliOptions();
        var command = new Command("edit", "Edit a video by dragging points: the whole video at full size, rate and with its audio (--excerpt: the decoded excerpt only). Diffusion backend with --model/--motion, fast weight-free backend otherwise.");
        command.Options.Add(excerpt);
        command.Options.Add(keyframeRate);
        command.Options.Add(workingWidth);
        command.Options.Add(crf);
        command.Options.Add(preset);
        command.Arguments.Add(video);
        command.Options.Add(drag);
        command.Options.Add(output);
        command.Options.Add(model);
        command.Options.Add(motion);
        command.Options.Add(tokenizer);
        command.Options.Add(deform);
        command.Options.Add(allowPickle);
        read.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, () =>
        {
            var paths = new EditPaths(parse.GetValue(video)!, parse.GetValue(drag)!, parse.GetValue(output)!, parse.GetValue(model),
                parse.GetValue(motion), parse.GetValue(tokenizer), parse.GetValue(deform)!, parse.GetValue(allowPickle));
            if (parse.GetValue(excerpt))
                return RunAsync(paths.Video, paths.Drag, paths.Output, paths.Model, paths.Motion, paths.Tokenizer, paths.Deform,
                    paths.AllowPickle, read.Read(parse), read.Budget(parse), ct);
            var excerptOnly = new Option[] { read.Kps, read.MaxFrames, read.Start, read.Size, read.Pad }
                .FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
            if (excerptOnly is not null)
                throw new ArgumentException($"{excerptOnly.Name} only applies with --excerpt; the default edits the whole video at its own size and rate.");
            double rate = parse.GetValue(keyframeRate);
            if (!double.IsFinite(rate) || rate < 0) throw new ArgumentException($"--keyframe-rate must be ≥ 0; got {rate}.");
            return RunFullRateAsync(paths, rate == 0 ? null : rate, parse.GetValue(workingWidth), parse.GetValue(crf), parse.GetValue(preset)!,
                read.Budget(parse), ct);
        }));
        return command;
    }

    private sealed record EditPaths(string Video, string Drag, string Output, string? Model, string? Motion, string? Tokenizer, string Deform, bool AllowPickle);

    /// <summary>The default: the whole video, every frame at its size and rate, audio copied.</summary>
    private static async Task<int> RunFullRateAsync(EditPaths paths, double? keyframeRate, int? workingWidth, int crf, string preset, long budget,
        CancellationToken ct)
    {
        OutputFiles.CheckInput(paths.Video, "video");
        OutputFiles.CheckInput(paths.Drag, "drag request");
        var outFull = Path.GetFullPath(paths.Output);
        Media.Streaming.AudioMuxer.ContainerFor(outFull); // .mp4/.m4v/.mov/.mkv, checked before any work
        OutputFiles.RefuseLinkOrFolder(outFull, "--out");
        OutputFiles.EnsureWritableDirectory(Path.GetDirectoryName(outFull)!);
        var deform = DeformOption.Parse(paths.Deform);
        CheckModelPaths(paths, deform);
        var source = Media.Streaming.StreamingProbe.Probe(paths.Video, ct);
        var request = DragRequestJson.Load(paths.Drag, source.Width, source.Height, source.FrameCountHint);
        TorchRuntime.EnsureLoaded();

        if (paths.Model is not null) AnsiConsole.MarkupLineInterpolated($"loading {paths.Model} + {paths.Motion} …");
        using var model = paths.Model is null ? null
            : StableDiffusionLoader.Load(paths.Model, new ModelLoadOptions { MotionAdapterPath = paths.Motion, TokenizerPath = paths.Tokenizer, AllowPickle = paths.AllowPickle }, ct);
        // The one composition root selects the backend: diffusion with a model, the fast weight-free warp without.
        var builder = new DragVideoBuilder().UseFastWarpOptions(new FastWarpOptions { Mode = deform });
        if (model is not null) builder.UseModel(model).UsePropagationOptions(new PropagationOptions { TorchThreads = 1 });
        bool diffusion = builder.UsesDiffusion;
        var editor = builder.BuildEditor();
        using var ownedEditor = editor as IDisposable;
        var options = new FullResolutionOptions
        {
            KeyframeRate = keyframeRate,
            WorkingWidth = workingWidth ?? (diffusion ? 512 : 320),
            WorkingMultipleOf = diffusion ? 8 : 2,
            MaxWorkingFrames = diffusion ? 24 : FullResolutionOptions.Default.MaxWorkingFrames,
            Crf = crf,
            Preset = preset,
            MemoryBudgetBytes = budget,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"invalid edit option: {e.Message}", e);
        }
        AnsiConsole.MarkupLineInterpolated($"backend: {editor.Name} ({(diffusion ? "DragVideo diffusion editor" : $"fast weight-free backend, {DeformOption.Name(deform)} mode; give --model and --motion for the diffusion editor")}); whole video: {source.FrameCountHint} frames {source.Width}×{source.Height} at {source.Fps:0.###} fps, {source.PixelFormat}, {(source.Audio.Count == 0 ? "no audio" : $"{source.Audio.Count} audio stream(s)")}");
        var full = new FullResolutionEditor(editor, options);
        FullResolutionEditReport report;
        try
        {
            report = await ProgressBar.RunAsync(bar => full.EditFileAsync(paths.Video, outFull, request, bar, ct)).ConfigureAwait(false);
        }
        catch (MemoryBudgetExceededException e) when (e.Setting == nameof(FullResolutionOptions.MemoryBudgetBytes))
        {
            throw new MemoryBudgetExceededException("--max-memory-mb", e.RequiredBytes, e.BudgetBytes,
                $"edit: {source.FrameCountHint} frames of {source.Width}×{source.Height} need about {MemoryBudgetExceededException.FormatBytes(e.RequiredBytes)} " +
                $"over the memory budget of {MemoryBudgetExceededException.FormatBytes(e.BudgetBytes)} (--max-memory-mb); lower --keyframe-rate or --working-width, or raise --max-memory-mb.");
        }
        foreach (var note in report.Notes) AnsiConsole.MarkupLineInterpolated($"[yellow]note:[/] {note}");
        AnsiConsole.MarkupLineInterpolated($"wrote {report.OutputPath}: {report.FrameCount} frames {report.Width}×{report.Height} at {report.FrameRate} fps, {report.PixelFormat}, audio {report.Audio}");
        AnsiConsole.MarkupLineInterpolated($"propagation {report.PropagationTime.TotalSeconds:0.0} s on {report.WorkingFrameSourceIndices.Count} working frames {report.WorkingWidth}×{report.WorkingHeight}; decode → warp → encode {report.StreamingTime.TotalSeconds:0.0} s ({report.OutputFramesPerSecond:0.0} frames/s; warp alone {report.WarpFramesPerSecond:0.0} frames/s)");
        return 0;
    }

    private static void CheckModelPaths(EditPaths paths, FastDeformationMode deform)
    {
        if ((paths.Model is null) != (paths.Motion is null))
            throw new ArgumentException("--model and --motion go together: give both for the diffusion backend, or neither for the fast backend.");
        if (paths.Model is not null && !File.Exists(paths.Model) && !Directory.Exists(paths.Model))
            throw new FileNotFoundException($"model '{paths.Model}' does not exist.", paths.Model);
        if (paths.Motion is not null && !File.Exists(paths.Motion) && !Directory.Exists(paths.Motion))
            throw new FileNotFoundException($"motion adapter '{paths.Motion}' does not exist.", paths.Motion);
        if (paths.Tokenizer is not null && paths.Model is null)
            throw new ArgumentException("--tokenizer only applies to the diffusion backend (with --model and --motion).");
        if (paths.Tokenizer is not null && !Directory.Exists(paths.Tokenizer))
            throw new DirectoryNotFoundException($"tokenizer folder '{paths.Tokenizer}' does not exist.");
        if (paths.Model is not null && deform != FastDeformationMode.Stretch)
            throw new ArgumentException("--deform applies to the fast backend only; the diffusion editor (--model/--motion) has no deformation mode.");
        if (paths.AllowPickle && paths.Model is null)
            throw new ArgumentException("--allow-pickle only applies to the diffusion backend (with --model and --motion).");
    }

    /// <summary><c>--excerpt</c>: the decoded excerpt is edited and written (the paper's setting).</summary>
    private static async Task<int> RunAsync(string videoPath, string dragPath, string outPath, string? modelPath, string? motionPath,
        string? tokenizerPath, string deformName, bool allowPickle, VideoReadOptions readOptions, long budget, CancellationToken ct)
    {
        var deform = DeformOption.Parse(deformName);
        // Everything that can be checked cheaply is checked before decoding or editing anything.
        OutputFiles.CheckInput(videoPath, "video");
        OutputFiles.CheckInput(dragPath, "drag request");
        var outFull = OutputFiles.CheckVideoOutput(outPath);
        CheckModelPaths(new EditPaths(videoPath, dragPath, outPath, modelPath, motionPath, tokenizerPath, deformName, allowPickle), deform);
        var estimate = MemoryPlan.Check(videoPath, readOptions, budget, "edit");
        if (modelPath is null) CliRunner.UseOneTorchThread();
        else TorchRuntime.EnsureLoaded();

        using var clip = VideoReader.Read(videoPath, readOptions, ct);
        MemoryPlan.WarnIfShort(estimate, clip.FrameCount, videoPath);
        var request = DragRequestJson.Load(dragPath, clip.Width, clip.Height, clip.FrameCount);

        // The diffusion editor loads SD1.5 + AnimateDiff (minutes, GBs); the fast backend needs no weights.
        if (modelPath is not null) AnsiConsole.MarkupLineInterpolated($"loading {modelPath} + {motionPath} …");
        using var model = modelPath is null ? null
            : StableDiffusionLoader.Load(modelPath, new ModelLoadOptions { MotionAdapterPath = motionPath, TokenizerPath = tokenizerPath, AllowPickle = allowPickle }, ct);
        // The one composition root selects the backend: diffusion with a model, the fast weight-free warp without.
        var builder = new DragVideoBuilder().UseFastWarpOptions(new FastWarpOptions { Mode = deform });
        // One edit per process, so the per-call opt-in (one LibTorch thread while tracking) races with nothing.
        if (model is not null) builder.UseModel(model).UsePropagationOptions(new PropagationOptions { TorchThreads = 1 });
        var editor = builder.BuildEditor();
        using var ownedEditor = editor as IDisposable;
        AnsiConsole.MarkupLineInterpolated($"backend: {editor.Name} ({(builder.UsesDiffusion ? "DragVideo diffusion editor" : $"fast weight-free backend, {DeformOption.Name(deform)} mode; give --model and --motion for the diffusion editor")}); {clip.FrameCount} frames {clip.Width}×{clip.Height}");

        using var result = await ProgressBar.RunAsync(bar => editor.EditAsync(clip, request, bar, ct)).ConfigureAwait(false);
        // Written into a staging folder and checked by decoding it (frames, size, duration) before the move: a full disk
        // or an interrupt leaves the previous file untouched.
        using (var stage = new OutputStage(Path.GetDirectoryName(outFull)!))
        {
            string staged = stage.Add(outFull);
            if (Path.GetExtension(outFull).Equals(".gif", StringComparison.OrdinalIgnoreCase))
                VideoWriter.WriteGif(result.EditedClip, staged, ct);
            else
                VideoWriter.WriteMp4(result.EditedClip, staged, cancellationToken: ct);
            ct.ThrowIfCancellationRequested();
            stage.Commit();
        }
        foreach (var note in result.Notes) AnsiConsole.MarkupLineInterpolated($"[yellow]note:[/] {note}");
        AnsiConsole.MarkupLineInterpolated($"wrote {outFull} ({result.Backend}, {result.StageTimings.Values.Sum(t => t.TotalMilliseconds):0} ms)");
        return 0;
    }
}
