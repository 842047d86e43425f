using DragVideo.ToyWorld.Training;

// toyworld-train: reproduces the embedded toy model (see models/toy-dragvideo/README.md for the exact commands).
//   toyworld-train all  --model <folder> --runs <folder> [--tokenizer <folder>] [--vae-steps N] [--unet-steps N] [--seed S]
//   toyworld-train vae  --model <folder> --runs <folder> [--steps N] [--batch B] [--lr X] [--seed S]
//   toyworld-train vae-decoder --model <folder> --runs <folder> [--steps N]   (decoder-only fine-tune; latents unchanged)
//   toyworld-train unet --model <folder> --runs <folder> [--steps N] [--batch B] [--lr X] [--seed S]
//   toyworld-train samples --model <folder> --out <sheet.png> [--count N] [--steps N] [--seed S]   (unconditional samples)
//   toyworld-train drag-diagnosis --model <folder> --out <sheet.png> [--scenario S] [--strength X] [--steps K] [--lr X]
// Every job resumes from its newest checkpoint in <runs>/<job>/checkpoints; Ctrl+C stops after the current step.
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
try
{
    var cli = CommandLine.Parse(args);
    DragVideo.TorchRuntime.EnsureLoaded();
    if (cli.Threads is { } threads) TorchSharp.torch.set_num_threads(threads);
    if (cli.Job == "samples")
    {
        SampleJob.Run(cli.Model, cli.Output!, cli.Count, cli.UnetSteps, cli.Seed, cts.Token);
        return 0;
    }
    if (cli.Job == "drag-diagnosis")
    {
        DragDiagnosisJob.Run(cli.Model, cli.Output!, cli.Diagnosis!, cts.Token);
        return 0;
    }
    Directory.CreateDirectory(cli.Model);
    ToyModelFolder.WriteFixedComponents(cli.Model, cli.Tokenizer, cli.Seed);
    if (cli.Job is "vae" or "all")
        VaeTrainingJob.Run(cli.Model, Path.Combine(cli.Runs, "vae"), new TrainingSettings(cli.VaeSteps, cli.Batch ?? 8, cli.LearningRate ?? 1e-3, cli.Seed, 250), cts.Token);
    if (cli.Job is "vae-decoder" or "all")
        VaeTrainingJob.RunDecoderFinetune(cli.Model, Path.Combine(cli.Runs, "vae-decoder"), new TrainingSettings(cli.Job == "all" ? 400 : cli.VaeSteps, cli.Batch ?? 8, cli.LearningRate ?? 3e-4, cli.Seed, 100, WarmupSteps: 20), cts.Token);
    if (cli.Job is "unet" or "all")
        UnetTrainingJob.Run(cli.Model, Path.Combine(cli.Runs, "unet"), new TrainingSettings(cli.UnetSteps, cli.Batch ?? 2, cli.LearningRate ?? 8e-4, cli.Seed, 100, StopAt: cli.StopAt), cts.Token);
    return 0;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("\nstopped; resume with the same command (the newest checkpoint is kept).");
    return 130;
}
catch (Exception e) when (e is TrainingException or ArgumentException or DragVideo.DragVideoException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"\ntoyworld-train: {e.Message}");
    return 2;
}
