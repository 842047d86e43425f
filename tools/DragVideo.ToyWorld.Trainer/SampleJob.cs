using DragVideo.Diffusion.Loading;
using DragVideo.Media;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Training;

/// <summary>
/// Draws clips from the trained model with nothing to go on but noise: DDIM (η = 0) from pure Gaussian latents under the
/// fixed prompt embedding the U-Net was trained with (a single prompt, so this is the model's unconditional
/// distribution), decoded by the toy VAE, and laid out as a contact sheet — one row per sample, evenly spaced frames.
/// It shows what the video prior has learned (shapes, textures, coherent motion) independently of any edit.
/// </summary>
internal static class SampleJob
{
    public static void Run(string modelFolder, string outputPng, int count, int steps, int seed, CancellationToken ct)
    {
        using var model = StableDiffusionLoader.Load(modelFolder, cancellationToken: ct);
        // The loaded pipeline already holds the text encoder and tokenizer the U-Net was trained with.
        using var cond = model.TextEncoder.EncodePrompts(model.Tokenizer, new[] { DragRequest.DefaultPrompt });
        var world = ToyWorldOptions.Default;
        int f = model.Vae.DownsampleFactor;
        var scheduler = model.Scheduler;
        scheduler.SetTimesteps(steps);
        var rows = new List<Tensor>();
        var started = DateTime.UtcNow;
        try
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                using var generator = new Generator().manual_seed(seed + i);
                var latents = randn(new long[] { 1, model.Vae.LatentChannels, world.Frames, world.Height / f, world.Width / f }, generator: generator);
                for (int s = 0; s < scheduler.Timesteps.Count; s++)
                {
                    ct.ThrowIfCancellationRequested();
                    using var stepScope = NewDisposeScope();
                    long t = scheduler.Timesteps[s];
                    var eps = model.Unet.PredictNoise(latents, tensor(t), cond);
                    latents = scheduler.Step(eps, t, latents).PrevSample.MoveToOuterDisposeScope();
                }
                var frames = model.Vae.DecodeFrames(latents, sliceSize: 4, cancellationToken: ct)[0];
                using var clip = new VideoClip(frames.clone(), 8);
                rows.Add(ContactSheet.Render(clip, null, 8).MoveToOuterDisposeScope());
                Console.WriteLine($"sample {i + 1}/{count} ({(DateTime.UtcNow - started).TotalSeconds:0} s)");
            }
            SheetFile.Write(rows, outputPng, enlarge: false, ct);
            Console.WriteLine($"wrote {outputPng}: {count} samples × 8 of {world.Frames} frames, {steps} DDIM steps, seeds {seed}…{seed + count - 1}");
        }
        finally
        {
            foreach (var r in rows) r.Dispose();
        }
    }
}
