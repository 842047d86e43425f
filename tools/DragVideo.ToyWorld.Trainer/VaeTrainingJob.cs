using DragVideo.Diffusion.Modules.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Training;

/// <summary>
/// Trains the tiny AutoencoderKL on single toy-world frames: MSE reconstruction in [−1, 1] from a posterior sample plus a
/// 1e-6-weighted KL term (the LDM recipe without the perceptual and adversarial terms, which a 64² toy world does not
/// need). The exported scaling factor is 1 / std of held-out latents, as SD's 0.18215 was derived.
/// </summary>
internal static class VaeTrainingJob
{
    private const double KlWeight = 1e-6;

    public static void Run(string modelFolder, string runFolder, TrainingSettings settings, CancellationToken ct)
    {
        torch.manual_seed(settings.Seed);
        var config = ToyModelSpec.Vae();
        using var vae = new AutoencoderKL(config);
        vae.train();
        using var optimizer = optim.AdamW(vae.parameters(), lr: settings.LearningRate, weight_decay: 0.0);
        string fingerprint = $"vae-{string.Join('x', config.BlockOutChannels)}-b{settings.Batch}-s{settings.Seed}";
        var (_, seconds) = TrainingLoop.Run("vae", fingerprint, vae, optimizer, settings, runFolder, logEvery: 25, emaDecay: 0.98, k =>
        {
            using var scope = NewDisposeScope();
            var images = TrainingData.Frames(settings.Seed, k, settings.Batch) * 2 - 1;
            using var generator = new Generator().manual_seed(settings.Seed * 1_000_003L + k);
            using var posterior = vae.Encode(images);
            var recon = vae.Decode(posterior.Sample(generator));
            var mse = nn.functional.mse_loss(recon, images);
            var kl = 0.5 * (posterior.Mean.pow(2) + posterior.Variance() - 1 - posterior.LogVar).sum() / settings.Batch;
            TrainingLoop.Backward(mse + KlWeight * kl, optimizer, vae.parameters());
            return mse.item<float>(); // the reconstruction term is what the log and the EMA follow
        }, ct);
        vae.eval();
        double scaling = ScalingFactor(vae);
        double psnr = HeldOutPsnr(vae);
        ToyModelFolder.WriteVae(modelFolder, vae, scaling);
        Console.WriteLine($"vae done: held-out PSNR {psnr:0.00} dB, scaling factor {scaling:0.00000}, {seconds:0} s");
    }

    /// <summary>
    /// Fine-tunes only the decoder (and post-quant conv) of the trained VAE on posterior-mean latents, as Stability's
    /// ft-MSE VAE did: reconstructions sharpen while the encoder — and so the latent space the U-Net learned — stays
    /// bit-identical. Safe to run after (or while pausing) the U-Net's training.
    /// </summary>
    public static void RunDecoderFinetune(string modelFolder, string runFolder, TrainingSettings settings, CancellationToken ct)
    {
        string vaeFolder = Path.Combine(modelFolder, "vae");
        double scaling = DragVideo.Diffusion.Modules.Vae.AutoencoderKLConfig.FromJsonFile(Path.Combine(vaeFolder, "config.json")).ScalingFactor;
        using var vae = DragVideo.Diffusion.Loading.StableDiffusionLoader.LoadVae(vaeFolder);
        var trainable = vae.named_parameters()
            .Where(p => p.name.StartsWith("decoder.", StringComparison.Ordinal) || p.name.StartsWith("post_quant_conv.", StringComparison.Ordinal))
            .Select(p => p.parameter).ToList();
        foreach (var (name, p) in vae.named_parameters()) p.requires_grad = trainable.Contains(p);
        vae.train();
        using var optimizer = optim.AdamW(trainable, lr: settings.LearningRate, weight_decay: 0.0);
        string fingerprint = $"vae-decoder-b{settings.Batch}-s{settings.Seed}";
        double before = HeldOutPsnr(vae);
        var (_, seconds) = TrainingLoop.Run("vae-decoder", fingerprint, vae, optimizer, settings, runFolder, logEvery: 25, emaDecay: 0.98, k =>
        {
            using var scope = NewDisposeScope();
            // Seeds offset from the VAE run's, so the decoder sees frames the VAE did not.
            var images = TrainingData.Frames(settings.Seed + 17, k, settings.Batch) * 2 - 1;
            Tensor latents;
            using (no_grad())
            using (var posterior = vae.Encode(images))
                latents = posterior.Mean.detach();
            return TrainingLoop.Backward(nn.functional.mse_loss(vae.Decode(latents), images), optimizer, trainable);
        }, ct);
        vae.eval();
        double after = HeldOutPsnr(vae);
        ToyModelFolder.WriteVae(modelFolder, vae, scaling);
        Console.WriteLine($"vae-decoder done: held-out PSNR {before:0.00} → {after:0.00} dB (encoder and scaling factor {scaling:0.00000} unchanged), {seconds:0} s");
    }

    /// <summary>1 / std of the posterior means of 64 held-out frames (seeds below the training range).</summary>
    private static double ScalingFactor(AutoencoderKL vae)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = HeldOutFrames() * 2 - 1;
        using var posterior = vae.Encode(images);
        return 1.0 / posterior.Mean.std().item<float>();
    }

    /// <summary>Mean PSNR (dB, [0, 1] range) of reconstructions of held-out frames through the posterior mean.</summary>
    public static double HeldOutPsnr(AutoencoderKL vae)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = HeldOutFrames();
        var recon = ((vae.forward(images * 2 - 1) + 1) / 2).clamp(0, 1);
        var mse = (recon - images).pow(2).mean(new long[] { 1, 2, 3 });
        return (-10 * mse.log10()).mean().item<float>();
    }

    private static Tensor HeldOutFrames()
    {
        var frames = new List<Tensor>();
        for (int seed = 0; seed < 16; seed++)
        {
            using var clip = ToyWorldGenerator.RenderClip(ToyWorldGenerator.SampleScene(seed));
            frames.Add(clip.Frames.index_select(0, torch.tensor(new long[] { 0, 5, 10, 15 })));
        }
        return torch.cat(frames, 0);
    }
}
