using DragVideo.Editing.Sampling;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace DragVideo.Editing.Stages;

/// <summary>What the denoising stage needs.</summary>
/// <param name="Original">z_t, the original stream <c>[1, C, F, h, w]</c>.</param>
/// <param name="Edited">ẑ_t, the dragged stream, same shape.</param>
/// <param name="Schedule">the edit's schedule (denoising resumes at its start index).</param>
/// <param name="Text">prompt embedding <c>[1, 77, D]</c>.</param>
internal sealed record DenoiseStageInput(Tensor Original, Tensor Edited, EditSchedule Schedule, Tensor Text);

/// <summary>Mutual Self-Attention denoising (DragVideo §3.5, Eq. 6) of both streams through the rest of the schedule.</summary>
internal sealed class DenoiseStage(IVideoDiffusionBackbone backbone, IPromptEncoder promptEncoder, MutualSelfAttentionOptions options,
    ILoggerFactory loggerFactory)
{
    /// <summary>Returns both denoised latents; the caller disposes them.</summary>
    public MutualSelfAttentionResult Run(EditState state, DenoiseStageInput input)
    {
        var sampler = new MutualSelfAttentionSampler(backbone, input.Schedule.Ddim, options, loggerFactory.CreateLogger<MutualSelfAttentionSampler>());
        var progress = state.Progress is null ? null : new InlineProgress<DenoisingStep>(s =>
            state.Report(EditStage.Denoising, s.Step, s.TotalSteps, $"t = {s.Timestep}"));
        var unconditional = options.GuidanceScale != 1.0 ? promptEncoder.Encode(string.Empty, state.Cancellation) : null;
        var denoised = sampler.Sample(input.Original, input.Edited, input.Schedule.StartIndex, input.Text, progress, state.Cancellation, unconditional);
        state.Lap(EditStage.Denoising);
        return denoised;
    }
}
