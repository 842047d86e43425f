using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using static TorchSharp.torch;

namespace DragVideo.Benchmarks;

/// <summary>
/// Counted work and time of one SD1.5-width video U-Net forward per frame at 512² (64×64 latents, 2 frames), the
/// paper's resolution: the basis of the end-to-end projection in docs/performance.md.
/// </summary>
internal static class WorkAt512Section
{
    public static void Run(QuickTable table, double peakGflops, bool sd15Width)
    {
        if (!sd15Width) return;
        using var model = new UNetMotionModel(UNet2DConditionConfig.StableDiffusion15);
        model.eval();
        using var text = randn(1, 77, 768);
        using var t = tensor(501L);
        using var x = randn(new long[] { 1, 4, 2, 64, 64 });
        using var noGrad = no_grad();
        using var counter = FlopCounter.Attach(model, model);
        double ms = Timing.BestMs(() => { using var o = model.PredictNoise(x, t, text); }, repeats: 1);
        double perFrame = counter.Flops / 2 / 1e9;
        table.Add("U-Net forward, SD1.5 width, 512², counted work per frame", perFrame, "GFLOP", "2 frames, conv + linear + attention");
        table.Add("U-Net forward, SD1.5 width, 512², time per frame", ms / 2, "ms", $"{perFrame / (ms / 2 / 1000):0} GFLOP/s");
    }
}
