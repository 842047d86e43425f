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
    public async Task ShortDiffusionEditOnTheToyModelMovesTheHandlesTowardTheTargets()
    {
        TorchRuntime.EnsureLoaded();
        using var scenario = ToyDragScenario.Create(3);
        using var model = StableDiffusionLoader.Load(ModelFolder);
        using var editor = new DragVideoBuilder().UseModel(model).Configure(o =>
        {
            o.Lora = o.Lora with { Steps = 5 };
            o.Inversion = o.Inversion with { InferenceSteps = 10, Strength = 0.7 };
            o.Drag = o.Drag with { Steps = 20 };
        }).Build();
        using var result = await editor.EditAsync(scenario.Original, scenario.Request);
        var report = new EditMetrics(new PyramidalOpticalFlow()).Measure(scenario.Original, result.EditedClip, result.Instruction);
        Assert.True(report.MeanDragDistance <= 0.7 * report.MeanInitialDragDistance,
            $"the handles moved from {report.MeanInitialDragDistance:0.00} px to only {report.MeanDragDistance:0.00} px from their targets");
        var score = ToyGroundTruthScore.Compute(scenario, result.EditedClip);
        var unedited = ToyGroundTruthScore.Compute(scenario, scenario.Original);
        Assert.True(score.PsnrInsideMask > unedited.PsnrInsideMask,
            $"inside the mask the edit ({score.PsnrInsideMask:0.0} dB) is no closer to the ground truth than the unedited clip ({unedited.PsnrInsideMask:0.0} dB)");
    }
}
