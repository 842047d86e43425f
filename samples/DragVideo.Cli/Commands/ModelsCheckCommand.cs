using System.CommandLine;
using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Diffusion.Modules.Motion;

namespace DragVideo.Cli.Commands;

/// <summary>
/// <c>dragvideo models check &lt;path…&gt;</c>: loads each model folder or file and prints every component with its stored
/// dtype, module dtype, parameter count and any missing / unexpected / mis-shaped keys. Exit code 1 on any problem.
/// </summary>
internal sealed class ModelsCheckCommand : ICliCommand
{
    public Command Build()
    {
        var paths = new Argument<string[]>("path")
        {
            Description = "Diffusers pipeline folder, component folder (unet/, vae/, text_encoder/, motion adapter), SD1.x single-file checkpoint, or AnimateDiff motion module.",
            Arity = ArgumentArity.OneOrMore,
        };
        var motion = new Option<string?>("--motion") { Description = "Motion adapter folder or original AnimateDiff file to check together with the U-Net." };
        var allowPickle = new Option<bool>("--allow-pickle") { Description = "Read pickle checkpoints (.ckpt/.pt/.bin) with the restricted tensor-only reader." };
        var yaml = new Option<string?>("--original-config") { Description = "Original LDM inference yaml for a single-file checkpoint." };
        var groups = new Option<int?>("--norm-groups") { Description = "GroupNorm groups for single-file U-Net/VAE (default 32)." };
        var heads = new Option<int?>("--heads") { Description = "Single-file U-Net attention heads (default: yaml, else 8)." };
        var motionHeads = new Option<int?>("--motion-heads") { Description = "Heads of a bare motion-module file (default 8)." };
        var textConfig = new Option<string?>("--text-config") { Description = "CLIP text config.json for a single-file text encoder (default: SD1.5's)." };
        var show = new Option<int>("--show") { Description = "Keys listed per problem list.", DefaultValueFactory = _ => 20 };
        var check = new Command("check", "Load model folders or files strictly and report every component and key problem.")
        {
            paths, motion, allowPickle, yaml, groups, heads, motionHeads, textConfig, show,
        };
        check.SetAction((parse, ct) => CliRunner.RunAsync(parse, () =>
        {
            var options = new ModelLoadOptions
            {
                MotionAdapterPath = parse.GetValue(motion),
                AllowPickle = parse.GetValue(allowPickle),
                OriginalConfigPath = parse.GetValue(yaml),
                NormNumGroups = parse.GetValue(groups),
                AttentionHeads = parse.GetValue(heads),
                MotionAdapterConfig = parse.GetValue(motionHeads) is { } mh ? MotionAdapterConfig.AnimateDiffSd15 with { MotionNumAttentionHeads = mh } : null,
                TextEncoderConfig = parse.GetValue(textConfig) is { } tc ? ClipTextConfig.FromJsonFile(tc) : null,
            };
            int problems = 0;
            foreach (var path in parse.GetValue(paths)!)
            {
                ct.ThrowIfCancellationRequested();
                var report = ModelChecker.Check(path, options, ct);
                ModelCheckPrinter.Print(report, Console.Out, parse.GetValue(show));
                problems += report.Components.Count(c => !c.Ok) + (report.Components.Count == 0 ? 1 : 0);
            }
            Console.WriteLine(problems == 0 ? "result: OK" : $"result: {problems} problem(s)");
            return Task.FromResult(problems == 0 ? 0 : CliRunner.Failure);
        }));
        return new Command("models", "Inspect Stable Diffusion / AnimateDiff weights.") { check };
    }
}
