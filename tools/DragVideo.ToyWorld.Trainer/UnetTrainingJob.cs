using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Vae;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Diffusion.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Training;

/// <summary>
/// Trains the tiny video U-Net (image layers and motion modules together, from scratch) with SD1.5's ε-prediction
/// objective: latents from the frozen toy VAE, noise at a uniform timestep of SD1.5's 1000-step scaled-linear schedule,
/// MSE between predicted and true noise. The condition is the frozen tiny CLIP's embedding of the editor's default
/// prompt, replaced by the empty prompt for 10 % of clips so classifier-free guidance has an unconditional branch.
/// </summary>
internal static class UnetTrainingJob
{
    private const double PromptDropout = 0.1;

    public static void Run(string modelFolder, string runFolder, TrainingSettings settings, CancellationToken ct)
    {
        using var vae = StableDiffusionLoader.LoadVae(Path.Combine(modelFolder, "vae"));
        vae.eval();
        foreach (var p in vae.parameters()) p.requires_grad = false;
        var (cond, uncond) = PromptEmbeddings(modelFolder);
        using var _c = cond;
        using var _u = uncond;
        var scheduler = DdimScheduler.FromPretrained(Path.Combine(modelFolder, "scheduler"));

        torch.manual_seed(settings.Seed);
        using var unet = new UNetMotionModel(ToyModelSpec.Unet(), ToyModelSpec.Motion());
        unet.train();
        long parameters = unet.parameters().Sum(p => p.numel());
        Console.WriteLine($"video U-Net: {parameters:N0} parameters");
        using var optimizer = optim.AdamW(unet.parameters(), lr: settings.LearningRate, weight_decay: 0.0);
        string fingerprint = $"unet-{string.Join('x', ToyModelSpec.UnetChannels)}-b{settings.Batch}-s{settings.Seed}";
        var (ema, seconds) = TrainingLoop.Run("unet", fingerprint, unet, optimizer, settings, runFolder, logEvery: 10, emaDecay: 0.99,
            k => Step(unet, vae, scheduler, cond, uncond, optimizer, settings, k), ct,
            afterCheckpoint: () => ToyModelFolder.WriteUnet(modelFolder, unet)); // the model folder always holds the newest complete weights
        Console.WriteLine($"unet done: loss ema {ema:0.00000}, {seconds:0} s");
    }

    /// <summary>One optimiser step on batch <paramref name="step"/>; returns the MSE.</summary>
    internal static double Step(UNetMotionModel unet, AutoencoderKL vae, DdimScheduler scheduler, Tensor cond, Tensor uncond,
        TorchSharp.Modules.OptimizerHelper optimizer, TrainingSettings settings, int step)
    {
        using var scope = NewDisposeScope();
        Tensor latents;
        using (no_grad())
        {
            var clips = TrainingData.Clips(settings.Seed, step, settings.Batch);
            latents = vae.EncodeFrames(clips, sliceSize: 32);
        }
        using var generator = new Generator().manual_seed(settings.Seed * 1_000_003L + step);
        var noise = randn(latents.shape, generator: generator);
        var timesteps = randint(0, scheduler.TrainTimesteps, new long[] { settings.Batch }, generator: generator, dtype: ScalarType.Int64);
        var dropout = rand(new long[] { settings.Batch }, generator: generator).lt(PromptDropout).reshape(-1, 1, 1);
        var text = where(dropout, uncond.expand(settings.Batch, -1, -1), cond.expand(settings.Batch, -1, -1));
        var noisy = scheduler.AddNoise(latents, noise, timesteps);
        var predicted = unet.PredictNoise(noisy, timesteps, text);
        return TrainingLoop.Backward(nn.functional.mse_loss(predicted, noise), optimizer, unet.parameters());
    }

    /// <summary>The frozen text encoder's embeddings <c>[1, 77, 32]</c> of the default prompt and of the empty prompt.</summary>
    internal static (Tensor Cond, Tensor Uncond) PromptEmbeddings(string modelFolder)
    {
        var tokenizer = ClipTokenizer.FromFolder(Path.Combine(modelFolder, "tokenizer"));
        using var text = StableDiffusionLoader.LoadTextEncoder(Path.Combine(modelFolder, "text_encoder"));
        var cond = text.EncodePrompts(tokenizer, new[] { DragRequest.DefaultPrompt });
        var uncond = text.EncodePrompts(tokenizer, new[] { "" });
        return (cond, uncond);
    }
}
