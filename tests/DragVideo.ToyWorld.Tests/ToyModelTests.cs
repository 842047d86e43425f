using DragVideo.Diffusion.Loading;
using DragVideo.Editing;
using DragVideo.Editing.Metrics;
using DragVideo.Testing;
using DragVideo.Tracking;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Tests;

/// <summary>The committed toy model (models/toy-dragvideo): it loads through the normal strict loaders and it works.</summary>
public sealed class ToyModelTests
{
    private static string ModelFolder => Path.Combine(Fixtures.RepositoryRoot, "models", "toy-dragvideo");

    [Fact]
    public void CommittedToyModelLoadsStrictlyAndItsVaeReconstructsAHeldOutClip()
    {
        TorchRuntime.EnsureLoaded();
        using var model = StableDiffusionLoader.Load(ModelFolder);
        Assert.Equal(4, model.Unet.Config.BlockOutChannels.Count);
        using var clip = ToyWorldGenerator.RenderClip(ToyWorldGenerator.SampleScene(123));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = clip.Frames * 2 - 1;
        var recon = ((model.Vae.forward(images) + 1) / 2).clamp(0, 1);
        double psnr = (-10 * (recon - clip.Frames).pow(2).mean().log10()).item<float>();
        Assert.True(psnr >= 27, $"held-out reconstruction PSNR {psnr:0.0} dB < 27 dB");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ShortDiffusionEditOnTheToyModelDragsTheTrackedHandlesTowardTheTargets()
    {
        TorchRuntime.EnsureLoaded();
        using var scenario = ToyDragScenario.Create(3);
        using var model = StableDiffusionLoader.Load(ModelFolder);
        using var editor = new DragVideoBuilder().UseModel(model).Configure(o =>
        {
            o.TrainLora = false;
            o.Inversion = o.Inversion with { InferenceSteps = 8, Strength = 0.75 };
            // The released scripts' latent learning rate (0.05; the UI's 0.01 needs the paper's 40 steps to get as far).
            o.Drag = o.Drag with { Steps = 20, LearningRate = 0.05 };
        }).Build();
        var distances = new List<double>();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Stage == EditStage.DragOptimization && p.MeanHandleDistance is double d) distances.Add(d);
        });
        using var result = await editor.EditAsync(scenario.Original, scenario.Request, progress);
        Assert.True(distances.Count >= 2, "the drag loop reported no handle distances");
        // The drag loop's own tracker (Eq. 5 on the U-Net features) must see the handles cover ≥ 30 % of the way (issue 12).
        Assert.True(distances[^1] <= 0.7 * distances[0],
            $"the tracked handles went from {distances[0]:0.00} px to only {distances[^1]:0.00} px from their targets");
        Assert.Equal(scenario.Original.Frames.shape, result.EditedClip.Frames.shape);
    }

    /// <summary>Reports on the caller's thread, so the list is complete when the edit returns.</summary>
    private sealed class SynchronousProgress(Action<EditProgress> report) : IProgress<EditProgress>
    {
        public void Report(EditProgress value) => report(value);
    }
}
