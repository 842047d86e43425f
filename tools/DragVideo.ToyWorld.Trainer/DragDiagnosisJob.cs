using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Editing.Drag;
using DragVideo.Media;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Training;

/// <summary>
/// What the drag optimisation (Eqs. 3–5) does to a toy scenario's latent, stage by stage, as a contact sheet: the
/// original and the ground truth; the model's one-step estimate x̂₀ of the clean clip from the inverted latent z_t and
/// from the optimised ẑ_t; and plain DDIM denoising (no LoRA, no Mutual Self-Attention, so nothing but the optimised latent
/// decides the result) of z_t and of ẑ_t. If x̂₀(ẑ_t) shows the object at its target the drag moved content and any loss
/// happens later; if it does not, the optimisation satisfied Eq. 3 without moving what the model renders. The drag runs on
/// the scenario's exact per-frame pairs and masks (no propagation), so only the diffusion side is examined.
/// </summary>
internal static class DragDiagnosisJob
{
    /// <summary>Settings of one diagnosis (paper defaults unless given).</summary>
    public sealed record Settings(int Scenario, double Strength, int Steps, double LearningRate);

    public static void Run(string modelFolder, string outputPng, Settings settings, CancellationToken ct)
    {
        using var model = StableDiffusionLoader.Load(modelFolder, cancellationToken: ct);
        using var scenario = ToyDragScenario.Create(settings.Scenario);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var text = model.TextEncoder.EncodePrompts(model.Tokenizer, new[] { DragRequest.DefaultPrompt });
        var frames = scenario.Original.Frames;
        int count = (int)frames.shape[0], height = (int)frames.shape[2], width = (int)frames.shape[3];
        var clean = model.Vae.EncodeFrames(frames, cancellationToken: ct);
        var schedule = model.Scheduler.CreateSchedule(50);
        using var inverted = new DdimInversion(model.Scheduler).Invert(model.Unet, clean, text, schedule,
            new DdimInversionOptions { Strength = settings.Strength }.ActualStepsOn(schedule), keepIntermediates: false, progress: null, ct);
        var zt = inverted.Latents;
        long t = inverted.Timestep;
        var pairs = Enumerable.Range(0, count).Select(scenario.PairsAt).ToList();
        var masks = Enumerable.Range(0, count).Select(scenario.EditableMask).ToList();
        var options = new DragOptimizationOptions { Steps = settings.Steps, LearningRate = settings.LearningRate };
        DragOptimizationResult dragged;
        using (enable_grad())
            dragged = new DragLatentOptimizer(model.Unet, schedule, options: options)
                .Optimize(new DragOptimizationInput(zt, t, text, pairs, masks, width, height), cancellationToken: ct);
        using var result = dragged;
        var latentMask = DragFeatures.LatentMask(masks, count, (int)zt.shape[4], (int)zt.shape[3], zt.device).permute(1, 0, 2, 3).unsqueeze(0);
        var change = (result.Latent - zt).abs();
        double inside = (change * latentMask).sum().item<float>() / (latentMask.sum().item<float>() * zt.shape[1]);
        double outside = (change * (1 - latentMask)).sum().item<float>() / ((1 - latentMask).sum().item<float>() * zt.shape[1]);
        Console.WriteLine($"scenario {settings.Scenario}: t = {t}, {result.UpdatesApplied} updates, tracked handles {result.MeanHandleDistances[0]:0.00} → " +
            $"{result.MeanHandleDistances[^1]:0.00} px, mean |ẑ_t − z_t| inside the mask {inside:0.000}, outside {outside:0.0000}");

        Tensor Estimate(Tensor z)
        {
            var eps = model.Unet.PredictNoise(z, tensor(new[] { t }), text);
            double a = schedule.AlphaCumprod(t);
            return model.Vae.DecodeFrames(z.sub(eps.mul(Math.Sqrt(1 - a))).div(Math.Sqrt(a)), sliceSize: 4, cancellationToken: ct)[0].clamp(0, 1);
        }
        Tensor Denoise(Tensor z)
        {
            var current = z;
            for (int i = inverted.StartIndex; i < schedule.InferenceSteps; i++)
            {
                ct.ThrowIfCancellationRequested();
                long step = schedule.Timesteps[i];
                current = schedule.Step(model.Unet.PredictNoise(current, tensor(new[] { step }), text), step, current).PrevSample;
            }
            return model.Vae.DecodeFrames(current, sliceSize: 4, cancellationToken: ct)[0].clamp(0, 1);
        }
        var denoisedOriginal = Denoise(zt);
        var denoisedDragged = Denoise(result.Latent);
        using (var before = new VideoClip(denoisedOriginal.clone(), 8))
        using (var after = new VideoClip(denoisedDragged.clone(), 8))
        {
            var a = ToyGroundTruthScore.Compute(scenario, before);
            var b = ToyGroundTruthScore.Compute(scenario, after);
            Console.WriteLine($"PSNR vs ground truth inside the mask: denoised z_t {a.PsnrInsideMask:0.00} dB, denoised ẑ_t {b.PsnrInsideMask:0.00} dB " +
                $"(higher after the drag = content moved toward the ground truth)");
        }
        var rows = new[] { frames, scenario.GroundTruth.Frames, Estimate(zt), Estimate(result.Latent), denoisedOriginal, denoisedDragged }
            .Select(clip =>
            {
                using var c = new VideoClip(clip.clone(), 8);
                return ContactSheet.Render(c, null, 8);
            }).ToList();
        SheetFile.Write(rows, outputPng, enlarge: true, ct);
        Console.WriteLine($"wrote {outputPng}: rows original, ground truth, x̂₀(z_t), x̂₀(ẑ_t), denoised z_t, denoised ẑ_t (8 of {count} frames, 2×)");
    }
}
