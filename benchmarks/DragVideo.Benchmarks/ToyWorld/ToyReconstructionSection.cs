using System.Diagnostics;
using DragVideo.Diffusion.Loading;
using DragVideo.Editing;
using DragVideo.Editing.Fast;
using DragVideo.ToyWorld;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Benchmarks;

/// <summary>
/// Section <c>toyrecon</c>: the toy model's reconstruction quality gates on held-out clips. (1) VAE: encode → decode of
/// every frame. (2) The diffusion editor's own path without a drag: sample-specific LoRA, DDIM inversion at the paper's
/// strength, and Mutual Self-Attention denoising back to frames, driven by a request whose targets equal its handles
/// (every pair has arrived before the first motion-supervision step, so the latent is never changed). PSNR over whole
/// clips (peak 1). Arguments: <c>--toy-model</c>, <c>--toy-scenarios N</c> / <c>--toy-seeds a,b,…</c> and <c>--toy-cache</c> as for
/// <c>toyworld</c> (default seeds 0…2 here).
/// </summary>
internal static class ToyReconstructionSection
{
    private static IReadOnlyList<int> _seeds = new[] { 0, 1, 2 };

    /// <summary>Reads the seeds (the model folder and cache are <see cref="ToyWorldSection"/>'s).</summary>
    public static void Configure(string[] args)
    {
        if (ToyWorldSection.Seeds(args) is { } seeds) _seeds = seeds;
    }

    public static void Run(QuickTable table, double peakGflops, bool sd15Width)
    {
        string folder = ToyWorldSection.ModelPath;
        if (!Directory.Exists(folder))
        {
            Console.WriteLine($"  toyrecon: skipped, no toy model at {Path.GetFullPath(folder)} (pass --toy-model <folder>)");
            return;
        }
        using var model = StableDiffusionLoader.Load(folder);
        using var cache = ToyWorldSection.CreateCache();
        using var editor = new DragVideoBuilder().UseModel(model).UseCache(cache).Build();
        var vae = new List<double>();
        var diffusion = new List<double>();
        var seconds = new List<double>();
        foreach (int seed in _seeds)
        {
            using var scenario = ToyDragScenario.Create(seed);
            using (var scope = NewDisposeScope())
            {
                var latents = model.Vae.EncodeFrames(scenario.Original.Frames);
                var decoded = model.Vae.DecodeFrames(latents, sliceSize: 4)[0];
                vae.Add(Psnr(decoded, scenario.Original.Frames));
            }
            var still = scenario.Request with
            {
                Keyframes = scenario.Request.Keyframes
                    .Select(k => k with { Pairs = k.Pairs.Select(p => new DragPair(p.Handle, p.Handle)).ToArray() }).ToArray(),
            };
            var clock = Stopwatch.StartNew();
            using var result = editor.EditAsync(scenario.Original, still).GetAwaiter().GetResult();
            clock.Stop();
            diffusion.Add(Psnr(result.EditedClip.Frames, scenario.Original.Frames));
            seconds.Add(clock.Elapsed.TotalSeconds);
            Console.WriteLine($"    toyrecon scenario {seed}: VAE {vae[^1]:0.00} dB, LoRA + inversion + MSA denoise {diffusion[^1]:0.00} dB ({seconds[^1]:0} s)");
        }
        table.Add("toyrecon: VAE reconstruction PSNR", vae.Average(), "dB", $"held-out scenarios {ToyWorldSection.Describe(_seeds)}, min {vae.Min():0.00} (gate ≥ 30)");
        table.Add("toyrecon: LoRA + inversion + denoise PSNR", diffusion.Average(), "dB",
            $"min {diffusion.Min():0.00} (gate ≥ 25), {seconds.Average():0} s per clip, paper defaults");
    }

    private static double Psnr(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        double mse = (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).square().mean().ToDouble();
        return mse <= 0 ? 100 : 10 * Math.Log10(1 / mse);
    }
}
