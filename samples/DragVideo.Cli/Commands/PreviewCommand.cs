using System.CommandLine;
using System.Globalization;
using DragVideo.Cli.Demo;
using DragVideo.Media;
using DragVideo.Tracking;

namespace DragVideo.Cli.Commands;

/// <summary>
/// <c>dragvideo preview &lt;video&gt; --drag request.json --out dir</c>: decodes the clip, propagates the drag instruction to
/// every frame (DragVideo.Tracking's optical-flow propagator, paper §3.3) and writes <c>overlay.mp4</c> (handles red,
/// targets blue, arrows, mask highlighted) and <c>contact_sheet.png</c> (original row above overlay row).
/// </summary>
internal sealed class PreviewCommand : ICliCommand
{
    public Command Build()
    {
        var video = new Argument<string>("video") { Description = "Video file (any format ffmpeg reads)." };
        var drag = new Option<string>("--drag") { Description = "Drag-request JSON (docs/drag-request-format.md); coordinates refer to the decoded frames.", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder for overlay.mp4 and contact_sheet.png.", Required = true };
        var sheetFrames = new Option<int>("--sheet-frames") { Description = "Frames shown in the contact sheet (default 6).", DefaultValueFactory = _ => 6 };
        var read = new VideoReadCliOptions();
        var command = new Command("preview", "Draw the propagated drag instruction on every frame: overlay video + contact sheet.") { video, drag, output, sheetFrames };
        read.AddTo(command);
        command.SetAction((parse, ct) => CliRunner.RunAsync(parse, () =>
        {
            CliRunner.UseOneTorchThread();
            var options = read.Read(parse);
            int n = parse.GetValue(sheetFrames);
            if (n < 1) throw new ArgumentException($"--sheet-frames must be at least 1; got {n}.");
            string videoPath = OutputFiles.CheckInput(parse.GetValue(video)!, "video");
            OutputFiles.CheckInput(parse.GetValue(drag)!, "drag request");
            string outDir = OutputFiles.CheckOutputFolder(parse.GetValue(output)!);
            foreach (var name in new[] { InstructionPreview.OverlayFileName, InstructionPreview.ContactSheetFileName })
                OutputFiles.RefuseLinkOrFolder(Path.Combine(outDir, name), "output");
            var estimate = MemoryPlan.Check(videoPath, options, read.Budget(parse), "preview");
            // The preview writes both files to temporary names and moves them only when both were written and checked.
            var result = InstructionPreview.Render(videoPath, parse.GetValue(drag)!, outDir,
                new DragInstructionPropagator(), options, n, cancellationToken: ct);
            MemoryPlan.WarnIfShort(estimate, result.FrameCount, videoPath);
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"decoded {result.FrameCount} frames of {result.Width}x{result.Height} at {result.Fps:0.###} fps; mean drag {result.Instruction.MeanDragLength:0.#} px"));
            Console.WriteLine($"overlay video:  {result.OverlayVideoPath}");
            Console.WriteLine($"contact sheet:  {result.ContactSheetPath}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
