using System.CommandLine;
using DragVideo.Cli.Demo;
using DragVideo.Diffusion.Loading;
using DragVideo.Editing;
using DragVideo.Editing.Fast;
using DragVideo.Media;
using DragVideo.Tracking;
using Spectre.Console;

namespace DragVideo.Cli.Commands;

/// <summary>
/// <c>dragvideo edit &lt;video&gt; --drag request.json --out edited.mp4 [--model SD1.5 --motion adapter]</c>: runs the
/// diffusion editor when both model paths are given, the fast weight-free backend otherwise, and says which. Every
/// input is checked before any work; the output is written to a temporary file and moved into place.
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
        var read = new VideoReadCliOptions();
        var command = new Command("edit", "Edit a video by dragging points (diffusion backend with --model/--motion, fast weight-free backend otherwise).");
        command.Arguments.Add(video);
        command.Options.Add(drag);
        command.Options.Add(output);
        command.Options.Add(model);
        command.Options.Add(motion);
        command.Options.Add(tokenizer);
        command.Options.Add(deform);
        command.Options.Add(allowPickle);
        read.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, () => RunAsync(parse.GetValue(video)!, parse.GetValue(drag)!,
            parse.GetValue(output)!, parse.GetValue(model), parse.GetValue(motion), parse.GetValue(tokenizer), parse.GetValue(deform)!,
            parse.GetValue(allowPickle), read.Read(parse), read.Budget(parse), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string videoPath, string dragPath, string outPath, string? modelPath, string? motionPath,
        string? tokenizerPath, string deformName, bool allowPickle, VideoReadOptions readOptions, long budget, CancellationToken ct)
    {
        var deform = DeformOption.Parse(deformName);
        // Everything that can be checked cheaply is checked before decoding or editing anything.
        OutputFiles.CheckInput(videoPath, "video");
        OutputFiles.CheckInput(dragPath, "drag request");
        var outFull = OutputFiles.CheckVideoOutput(outPath);
        if ((modelPath is null) != (motionPath is null))
            throw new ArgumentException("--model and --motion go together: give both for the diffusion backend, or neither for the fast backend.");
        if (modelPath is not null && !File.Exists(modelPath) && !Directory.Exists(modelPath))
            throw new FileNotFoundException($"model '{modelPath}' does not exist.", modelPath);
        if (motionPath is not null && !File.Exists(motionPath) && !Directory.Exists(motionPath))
            throw new FileNotFoundException($"motion adapter '{motionPath}' does not exist.", motionPath);
        if (tokenizerPath is not null && modelPath is null)
            throw new ArgumentException("--tokenizer only applies to the diffusion backend (with --model and --motion).");
        if (modelPath is not null && deform != FastDeformationMode.Stretch)
            throw new ArgumentException("--deform applies to the fast backend only; the diffusion editor (--model/--motion) has no deformation mode.");
        if (tokenizerPath is not null && !Directory.Exists(tokenizerPath))
            throw new DirectoryNotFoundException($"tokenizer folder '{tokenizerPath}' does not exist.");
        if (allowPickle && modelPath is null)
            throw new ArgumentException("--allow-pickle only applies to the diffusion backend (with --model and --motion).");
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
