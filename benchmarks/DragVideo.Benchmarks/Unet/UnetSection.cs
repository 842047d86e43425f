using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Benchmarks;

/// <summary>
/// Video U-Net figures at SD1.5 widths with random weights, 256×256 frames (32×32 latents): full forward vs the
/// truncated feature pass, a drag-optimisation step (forward + backward to the latent) truncated vs full, achieved
/// GFLOP/s vs the matmul peak, and the peak memory of a 16-frame drag step.
/// </summary>
internal static class UnetSection
{
    /// <summary>Latent side for 256×256 frames (VAE factor 8).</summary>
    private const int Latent = 32;

    public static void Run(QuickTable table, double peakGflops, bool sd15Width)
    {
        var config = BenchmarkUnet.Config(sd15Width);
        string width = BenchmarkUnet.Label(sd15Width);
        using var model = new UNetMotionModel(config);
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad_(false);
        using var text = randn(1, 77, config.CrossAttentionDim[0]);
        using var t = tensor(501L);

        using (no_grad())
        {
            foreach (int frames in new[] { 1, 4, 8 })
            {
                using var x = randn(new long[] { 1, 4, frames, Latent, Latent });
                double full = Timing.BestMs(() => { using var o = model.PredictNoise(x, t, text); }, repeats: frames == 1 ? 2 : 1, warmups: frames == 1 ? 1 : 0);
                double to2 = Timing.BestMs(() => { using var o = model.Forward(x, t, text, new[] { 2 }, stopAfterLastFeature: true); }, repeats: 1);
                double to3 = Timing.BestMs(() => { using var o = model.Forward(x, t, text, new[] { 3 }, stopAfterLastFeature: true); }, repeats: 1);
                table.Add($"U-Net forward, {width}, {frames} frame(s) 256²: full", full, "ms");
                table.Add($"U-Net forward, {width}, {frames} frame(s): to up block 2", to2, "ms", $"{full / to2:0.00}× faster than full");
                table.Add($"U-Net forward, {width}, {frames} frame(s): to up block 3", to3, "ms", $"{full / to3:0.00}× faster than full");
                if (frames == 8)
                {
                    using var counter = FlopCounter.Attach(model, model);
                    using (var o = model.PredictNoise(x, t, text)) { }
                    double gflop = counter.Flops / 1e9;
                    double achieved = gflop / (full / 1000);
                    table.Add($"U-Net forward, {width}, 8 frames: counted work", gflop, "GFLOP", "conv + linear + attention matmuls");
                    table.Add("U-Net forward achieved throughput", achieved, "GFLOP/s", $"{100 * achieved / peakGflops:0}% of matmul peak");
                }
            }
        }

        const int dragFrames = 4;
        double truncatedStep = DragStepMs(model, text, t, dragFrames, stop: true);
        double fullStep = DragStepMs(model, text, t, dragFrames, stop: false);
        table.Add($"drag step (fwd+bwd), {width}, {dragFrames} frames: truncated to up block 2", truncatedStep, "ms");
        table.Add($"drag step (fwd+bwd), {width}, {dragFrames} frames: full pass", fullStep, "ms", $"truncated is {fullStep / truncatedStep:0.00}× faster");

        bool reset = PeakMemory.Reset();
        double before = PeakMemory.CurrentMiB();
        DragStepMs(model, text, t, 16, stop: true);
        table.Add($"drag step peak memory, {width}, 16 frames 256² (RSS high-water)", PeakMemory.PeakMiB(), "MiB",
            reset ? $"{PeakMemory.PeakMiB() - before:0} MiB above the resident model" : "high-water not resettable: includes earlier peaks");
    }

    /// <summary>
    /// One drag-optimisation step as in Eq. 2–4: features of up block 2 for the latent, resized to h/2 × w/2, an L1
    /// between a shifted and a detached feature patch, gradient to the latent only (weights frozen).
    /// </summary>
    private static double DragStepMs(UNetMotionModel model, Tensor text, Tensor t, int frames, bool stop)
    {
        return Timing.BestMs(() =>
        {
            using var scope = NewDisposeScope();
            var latent = randn(new long[] { 1, 4, frames, Latent, Latent }).requires_grad_(true);
            using var output = model.Forward(latent, t, text, new[] { 2 }, stopAfterLastFeature: stop);
            var f = output.UpBlockFeatures[2]; // [1, C, F, h, w]
            var folded = f.permute(0, 2, 1, 3, 4).reshape(frames, f.shape[1], f.shape[3], f.shape[4]);
            var resized = nn.functional.interpolate(folded, new long[] { Latent * 4, Latent * 4 }, mode: InterpolationMode.Bilinear, align_corners: false);
            var moved = resized[.., .., TensorIndex.Slice(1), ..];
            var anchor = resized[.., .., TensorIndex.Slice(null, -1), ..].detach();
            var loss = (moved - anchor).abs().mean();
            loss.backward();
            _ = latent.grad!.abs().sum().item<float>();
        }, repeats: 1);
    }
}
