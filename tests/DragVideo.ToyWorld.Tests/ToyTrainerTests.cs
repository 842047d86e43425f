using DragVideo.Testing;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Vae;
using DragVideo.Diffusion.Schedulers;
using DragVideo.ToyWorld.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Tests;

public sealed class ToyTrainerTests
{
    [Fact]
    public void ThreeUnetStepsOnOneFixedBatchGiveAFiniteDecreasingLoss()
    {
        TorchRuntime.EnsureLoaded();
        torch.manual_seed(5);
        using var vae = new AutoencoderKL(ToyModelSpec.Vae());
        using var unet = new UNetMotionModel(ToyModelSpec.Unet(), ToyModelSpec.Motion());
        using var cond = torch.randn(1, 77, 32);
        using var uncond = torch.randn(1, 77, 32);
        using var optimizer = optim.AdamW(unet.parameters(), lr: 1e-3, weight_decay: 0.0);
        var settings = new TrainingSettings(Steps: 3, Batch: 1, LearningRate: 1e-3, Seed: 9, CheckpointEvery: 100);
        // The same step index thrice = the same clip, noise and timestep: a fixed batch the model must fit better each step.
        var losses = Enumerable.Range(0, 3).Select(_ => UnetTrainingJob.Step(unet, vae, DdimScheduler.StableDiffusion15(), cond, uncond, optimizer, settings, step: 7)).ToArray();
        Assert.All(losses, l => Assert.True(double.IsFinite(l), $"loss {l}"));
        Assert.True(losses[1] < losses[0] && losses[2] < losses[1], $"losses did not decrease: {string.Join(", ", losses)}");
    }

    [Fact]
    public void TrainingBatchesArePureFunctionsOfSeedAndStep()
    {
        TorchRuntime.EnsureLoaded();
        using var a = TrainingData.Clips(1, 5, 2);
        using var b = TrainingData.Clips(1, 5, 2);
        using var c = TrainingData.Clips(1, 6, 2);
        Assert.Equal(0f, (a - b).abs().max().item<float>());
        Assert.True((a - c).abs().max().item<float>() > 0.1f);
    }

    [Fact]
    public void ResumeRefusesACheckpointOfAnotherRunAndIgnoresAPartialOne()
    {
        using var run = new TempFolder("toy-ckpt-");
        var (model, optimizer, store) = SavedCheckpoint(run, "vae", "fp-a");
        using var _m = model;
        using var _o = optimizer;
        // A crash mid-write leaves only a hidden temporary folder, which is never taken for a checkpoint.
        Directory.CreateDirectory(Path.Combine(store.Folder, ".step-000020.deadbeef.tmp"));
        Directory.CreateDirectory(Path.Combine(store.Folder, "step-000030")); // no state.json: incomplete
        Assert.EndsWith("step-000010", store.Latest());

        var e = Assert.Throws<TrainingException>(() => store.Load(store.Latest()!, model, optimizer, "vae", "fp-b"));
        Assert.Contains("another run", e.Message);
        var state = store.Load(store.Latest()!, model, optimizer, "vae", "fp-a");
        Assert.Equal(10, state.Step);
    }

    [Fact]
    public void CorruptCheckpointWeightsGiveOneClearError()
    {
        using var run = new TempFolder("toy-ckpt-");
        var (model, optimizer, store) = SavedCheckpoint(run, "unet", "fp");
        using var _m = model;
        using var _o = optimizer;
        File.WriteAllBytes(Path.Combine(store.Latest()!, "model.safetensors"), new byte[] { 1, 2, 3 });
        var e = Assert.Throws<TrainingException>(() => store.Load(store.Latest()!, model, optimizer, "unet", "fp"));
        Assert.Contains("cannot be loaded", e.Message);
    }

    /// <summary>A small model and its optimiser with one checkpoint (step 10 of 20) saved in <paramref name="run"/>.</summary>
    private static (nn.Module Model, TorchSharp.Modules.OptimizerHelper Optimizer, CheckpointStore Store) SavedCheckpoint(TempFolder run, string job, string fingerprint)
    {
        TorchRuntime.EnsureLoaded();
        var model = nn.Linear(3, 2);
        var optimizer = optim.AdamW(model.parameters(), lr: 1e-3);
        var store = new CheckpointStore(run.Path);
        store.Save(model, optimizer, new CheckpointState(job, 10, 20, 1, fingerprint, 0.5, 1));
        return (model, optimizer, store);
    }

    [Theory]
    [InlineData(new[] { "train" }, "usage")]
    [InlineData(new[] { "vae", "--runs", "/tmp/x" }, "--model")]
    [InlineData(new[] { "vae", "--model", "/tmp/x", "--runs", "/tmp/y", "--steps", "0" }, "--steps")]
    [InlineData(new[] { "vae", "--model", "/tmp/x", "--runs", "/tmp/y", "--lr", "abc" }, "--lr")]
    [InlineData(new[] { "vae", "--model", "/tmp/x", "--runs", "/tmp/y", "--color", "red" }, "--color")]
    [InlineData(new[] { "vae", "--model", "/proc/toy", "--runs", "/tmp/y" }, "not a writable folder")]
    [InlineData(new[] { "samples", "--model", "/tmp/no-such-toy-model", "--out", "/tmp/s.png" }, "no unet/ folder")]
    [InlineData(new[] { "samples", "--model", "/tmp/no-such-toy-model" }, "--out")]
    [InlineData(new[] { "samples", "--model", "/tmp/no-such-toy-model", "--out", "/tmp/s.jpg" }, ".png")]
    [InlineData(new[] { "samples", "--model", "/tmp/no-such-toy-model", "--out", "/tmp/s.png", "--runs", "/tmp/r" }, "--runs")]
    [InlineData(new[] { "drag-diagnosis", "--model", "/tmp/no-such-toy-model", "--out", "/tmp/d.png" }, "no unet/ folder")]
    [InlineData(new[] { "drag-diagnosis", "--model", "/tmp/no-such-toy-model", "--out", "/tmp/d.png", "--strength", "1.5" }, "--strength")]
    [InlineData(new[] { "drag-diagnosis", "--model", "/tmp/no-such-toy-model", "--out", "/tmp/d.png", "--count", "2" }, "--count")]
    public void BadArgumentsAreRefusedWithOneLineNamingTheProblem(string[] args, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => CommandLine.Parse(args));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void DragDiagnosisArgumentsDefaultToThePapersDragSettingsOnScenario3()
    {
        string model = Path.Combine(Fixtures.RepositoryRoot, "models", "toy-dragvideo");
        var cli = CommandLine.Parse(new[] { "drag-diagnosis", "--model", model, "--out", Path.Combine(Path.GetTempPath(), "diagnosis.png"), "--steps", "80" });
        Assert.Equal("drag-diagnosis", cli.Job);
        Assert.Equal(new DragDiagnosisJob.Settings(3, 0.75, 80, 0.01), cli.Diagnosis);
    }
}
