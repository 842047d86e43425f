using DragVideo.Diffusion.Lora;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Editing.Caching;
using Microsoft.Extensions.Logging;

namespace DragVideo.Editing.Stages;

/// <summary>What the LoRA stage needs.</summary>
/// <param name="Encoded">prompt embedding and (deferred) clip latents.</param>
/// <param name="CacheKey">the LoRA weights' cache key.</param>
internal sealed record LoraStageInput(EncodeOutput Encoded, string CacheKey);

/// <summary>
/// Sample-specific LoRA (DragVideo §3.2, Eq. 1): restores the adapters from the cache or trains them on the clip, then
/// freezes them at <see cref="DragVideoOptions.LoraScale"/>. Returns the <see cref="LoraSession"/> the rest of the edit
/// runs under (dispose it to detach); a session without LoRA when <see cref="DragVideoOptions.TrainLora"/> is off.
/// </summary>
internal sealed class LoraStage(IVideoDiffusionBackbone backbone, DdimScheduler scheduler, DragVideoOptions options, EditCache? cache,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<LoraStage>();

    public LoraSession Run(EditState state, LoraStageInput input)
    {
        if (!options.TrainLora)
        {
            state.Lap(EditStage.LoraTraining);
            return LoraSession.None();
        }
        var session = LoraSession.Open(backbone, options.Lora.Adapters);
        try
        {
            int steps = options.Lora.Steps;
            if (cache is not null && cache.TryGet(input.CacheKey, out var cached, out _))
            {
                try { session.Restore(cached, "edit cache"); }
                finally { foreach (var t in cached.Values) t.Dispose(); }
                state.Report(EditStage.LoraTraining, steps, steps, "LoRA weights from the cache");
            }
            else
            {
                var latents = input.Encoded.Latents.Get();
                var progress = state.Progress is null ? null : new InlineProgress<LoraTrainingStep>(s =>
                    state.Report(EditStage.LoraTraining, s.Step, s.TotalSteps, $"t = {s.Timestep}", loss: s.Loss));
                var trained = session.Train(new LoraTrainer(loggerFactory.CreateLogger<LoraTrainer>()), backbone, scheduler, latents,
                    input.Encoded.Text, options.Lora, progress, state.Cancellation);
                _logger.LogInformation("LoRA: {Steps} steps, loss {First:G4} → {Last:G4}", trained.Losses.Count,
                    trained.Losses.FirstOrDefault(), trained.Losses.LastOrDefault());
                if (cache is not null) state.Writes.Add(input.CacheKey, session.StateDict(), new Dictionary<string, string> { ["kind"] = "lora" });
            }
            session.Freeze(options.LoraScale);
            state.Lap(EditStage.LoraTraining);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}
