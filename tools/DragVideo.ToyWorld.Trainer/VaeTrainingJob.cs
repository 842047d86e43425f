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
        var store = new CheckpointStore(runFolder);
        string fingerprint = $"vae-{string.Join('x', config.BlockOutChannels)}-b{settings.Batch}-s{settings.Seed}";
        int start = 0;
        double ema = double.NaN, elapsedBefore = 0;
        if (store.Latest() is { } latest)
        {
            var state = store.Load(latest, vae, optimizer, "vae", fingerprint);
            (start, ema, elapsedBefore) = (state.Step, state.LossEma, state.ElapsedSeconds);
            Console.WriteLine($"resuming vae from {latest} (step {start})");
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = new ProgressLine("vae", settings.Steps, 25);
        for (int step = start + 1; step <= settings.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var group in optimizer.ParamGroups) group.LearningRate = settings.LearningRateAt(step);
            double loss;
            using (var scope = NewDisposeScope())
            {
                var images = TrainingData.Frames(settings.Seed, step, settings.Batch) * 2 - 1;
                using var generator = new Generator().manual_seed(settings.Seed * 1_000_003L + step);
                using var posterior = vae.Encode(images);
                var recon = vae.Decode(posterior.Sample(generator));
                var mse = nn.functional.mse_loss(recon, images);
                var kl = 0.5 * (posterior.Mean.pow(2) + posterior.Variance() - 1 - posterior.LogVar).sum() / settings.Batch;
                var total = mse + KlWeight * kl;
                optimizer.zero_grad();
                total.backward();
                nn.utils.clip_grad_norm_(vae.parameters(), 1.0);
                optimizer.step();
                loss = mse.item<float>();
            }
            ema = double.IsNaN(ema) ? loss : 0.98 * ema + 0.02 * loss;
            progress.Report(step, loss, ema);
            if (step % settings.CheckpointEvery == 0 || step == settings.Steps)
                store.Save(vae, optimizer, new CheckpointState("vae", step, settings.Steps, settings.Seed, fingerprint, ema, elapsedBefore + clock.Elapsed.TotalSeconds));
        }
        progress.Done();
        vae.eval();
        double scaling = ScalingFactor(vae);
        double psnr = HeldOutPsnr(vae);
        ToyModelFolder.WriteVae(modelFolder, vae, scaling);
        Console.WriteLine($"vae done: held-out PSNR {psnr:0.00} dB, scaling factor {scaling:0.00000}, {elapsedBefore + clock.Elapsed.TotalMinutes * 60:0} s");
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
        var store = new CheckpointStore(runFolder);
        string fingerprint = $"vae-decoder-b{settings.Batch}-s{settings.Seed}";
        int start = 0;
        double ema = double.NaN, elapsedBefore = 0;
        if (store.Latest() is { } latest)
        {
            var state = store.Load(latest, vae, optimizer, "vae-decoder", fingerprint);
            (start, ema, elapsedBefore) = (state.Step, state.LossEma, state.ElapsedSeconds);
            Console.WriteLine($"resuming vae-decoder from {latest} (step {start})");
        }
        double before = HeldOutPsnr(vae);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = new ProgressLine("vae-decoder", settings.Steps, 25);
        for (int step = start + 1; step <= settings.Steps; step++)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var group in optimizer.ParamGroups) group.LearningRate = settings.LearningRateAt(step);
            double loss;
            using (var scope = NewDisposeScope())
            {
                // Seeds offset by one step count from the VAE run's, so the decoder sees frames the VAE did not.
                var images = TrainingData.Frames(settings.Seed + 17, step, settings.Batch) * 2 - 1;
                Tensor latents;
                using (no_grad())
                using (var posterior = vae.Encode(images))
                    latents = posterior.Mean.detach();
                var recon = vae.Decode(latents);
                var mse = nn.functional.mse_loss(recon, images);
                optimizer.zero_grad();
                mse.backward();
                nn.utils.clip_grad_norm_(trainable, 1.0);
                optimizer.step();
                loss = mse.item<float>();
            }
            ema = double.IsNaN(ema) ? loss : 0.98 * ema + 0.02 * loss;
            progress.Report(step, loss, ema);
            if (step % settings.CheckpointEvery == 0 || step == settings.Steps)
                store.Save(vae, optimizer, new CheckpointState("vae-decoder", step, settings.Steps, settings.Seed, fingerprint, ema, elapsedBefore + clock.Elapsed.TotalSeconds));
        }
        progress.Done();
        vae.eval();
        double after = HeldOutPsnr(vae);
        ToyModelFolder.WriteVae(modelFolder, vae, scaling);
        Console.WriteLine($"vae-decoder done: held-out PSNR {before:0.00} → {after:0.00} dB (encoder and scaling factor {scaling:0.00000} unchanged), {elapsedBefore + clock.Elapsed.TotalSeconds:0} s");
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
