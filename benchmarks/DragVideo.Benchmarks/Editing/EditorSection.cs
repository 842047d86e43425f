using DragVideo.Diffusion.Lora;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Diffusion.Modules.Vae;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Editing.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Benchmarks;

/// <summary>
/// Per-step costs of the diffusion editor's other stages at SD1.5 widths (random weights, 256² frames): one LoRA
/// training step (Eq. 1), one Mutual Self-Attention denoising step (two streams, Eq. 6) vs one plain step, and VAE
/// decoding per frame.
/// </summary>
internal static class EditorSection
{
    private const int Latent = 32;
    private const int Frames = 4;

    public static void Run(QuickTable table, double peakGflops, bool sd15Width)
    {
        var config = BenchmarkUnet.Config(sd15Width);
        string width = BenchmarkUnet.Label(sd15Width);
        using var model = new UNetMotionModel(config);
        model.eval();
        using var text = randn(1, 77, config.CrossAttentionDim[0]);
        using var latents = randn(new long[] { 1, 4, Frames, Latent, Latent });
        var scheduler = DdimScheduler.StableDiffusion15();
        scheduler.SetTimesteps(50);

        // One plain denoising step vs one Mutual Self-Attention step over the original and edited streams.
        double plain = Timing.BestMs(() =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            long t = scheduler.Timesteps[^1];
            var eps = model.PredictNoise(latents, tensor(new[] { t }), text, denoisingStep: 0);
            scheduler.Step(eps, t, latents).PrevSample.Dispose();
        }, repeats: 2, warmups: 1);
        var sampler = new MutualSelfAttentionSampler(model, scheduler);
        double msa = Timing.BestMs(() =>
        {
            using var result = sampler.Sample(latents, latents, scheduler.Timesteps.Count - 1, text);
        }, repeats: 2);
        table.Add($"denoising step, {width}, {Frames} frames: plain (1 stream)", plain, "ms");
        table.Add($"denoising step, {width}, {Frames} frames: Mutual Self-Attention (2 streams)", msa, "ms", $"{msa / plain:0.00}× a plain step");

        // One LoRA training step (forward + backward through the frozen U-Net into rank-16 adapters, AdamW update).
        using (var network = LoraNetwork.Create(model, new LoraConfig()))
        {
            var trainer = new LoraTrainer();
            var options = new LoraTrainingOptions { Steps = 1, BatchFrames = Frames };
            double lora = Timing.BestMs(() => trainer.Train(model, scheduler, network, latents, text, options), repeats: 1, warmups: 0);
            table.Add($"LoRA training step, {width}, {Frames} frames, rank 16 ({network.ParameterCount:N0} params)", lora, "ms",
                $"{lora / plain:0.00}× a plain forward step");
            network.Detach();
        }

        // VAE decode per frame at SD1.5 size (the editor decodes one frame at a time to bound memory).
        using var vae = new AutoencoderKL(sd15Width ? AutoencoderKLConfig.StableDiffusion15 : AutoencoderKLConfig.StableDiffusion15 with
        {
            BlockOutChannels = new[] { 32, 64, 128, 128 },
        });
        vae.eval();
        using var one = randn(new long[] { 1, 4, 2, Latent, Latent });
        double decode = Timing.BestMs(() =>
        {
            using var noGrad = no_grad();
            using var frames = vae.DecodeFrames(one, sliceSize: 1);
        }, repeats: 1, warmups: 0) / 2;
        table.Add($"VAE decode per frame, {width}, 256²", decode, "ms");
    }
}
