using System.Globalization;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Editing.Caching;
using static TorchSharp.torch;

namespace DragVideo.Editing.Stages;

/// <summary>What the inversion stage needs.</summary>
/// <param name="Encoded">prompt embedding and (deferred) clip latents.</param>
/// <param name="Schedule">the edit's schedule (how far to invert).</param>
/// <param name="CacheKey">the inverted latent's cache key.</param>
internal sealed record InvertStageInput(EncodeOutput Encoded, EditSchedule Schedule, string CacheKey);

/// <summary>
/// DDIM inversion (DragVideo §3.4) to the schedule's drag timestep: from the cache, or by the inversion loop
/// (<see cref="DdimInversion"/>, pure inverse steps on the immutable schedule) under the session's LoRA. Returns z_t
/// <c>[1, C, F, h, w]</c> in the caller's dispose scope.
/// </summary>
internal sealed class InvertStage(IVideoDiffusionBackbone backbone, DdimScheduler scheduler, EditCache? cache)
{
    public Tensor Run(EditState state, InvertStageInput input)
    {
        var schedule = input.Schedule;
        int inverted = schedule.InvertedSteps;
        var text = input.Encoded.Text;
        Tensor zt;
        if (cache is not null && cache.TryGet(input.CacheKey, out var cached, out _) && cached.TryGetValue("latent", out var hit))
        {
            zt = hit.to(text.device).clone();
            foreach (var t in cached.Values) t.Dispose();
            state.Report(EditStage.Inversion, inverted, inverted, "inverted latent from the cache");
        }
        else
        {
            var latents = input.Encoded.Latents.Get();
            using var result = new DdimInversion(scheduler).Invert(backbone, latents, text, schedule.Ddim, inverted,
                keepIntermediates: false, state.Progress, state.Cancellation);
            zt = result.Latents.clone();
            if (result.Timestep != schedule.Timestep)
                throw new InvalidOperationException($"inversion ended at t = {result.Timestep}; expected {schedule.Timestep}.");
            if (cache is not null)
                state.Writes.Add(input.CacheKey, new Dictionary<string, Tensor> { ["latent"] = zt.detach().to(CPU).clone() },
                    new Dictionary<string, string> { ["kind"] = "inverted-latent", ["timestep"] = schedule.Timestep.ToString(CultureInfo.InvariantCulture) });
        }
        state.Lap(EditStage.Inversion);
        state.Cancellation.ThrowIfCancellationRequested();
        return zt;
    }
}
