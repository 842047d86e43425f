using DragVideo.Editing.Drag;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace DragVideo.Editing.Stages;

/// <summary>What the drag stage needs.</summary>
/// <param name="Inverted">z_t <c>[1, C, F, h, w]</c> (not modified).</param>
/// <param name="Schedule">the edit's schedule (the drag timestep and the one-step z_{t−1}).</param>
/// <param name="Text">prompt embedding <c>[1, 77, D]</c>.</param>
/// <param name="Instruction">the instruction in feature space.</param>
internal sealed record DragStageInput(Tensor Inverted, EditSchedule Schedule, Tensor Text, FeatureInstruction Instruction);

/// <summary>Drag optimisation (DragVideo §3.4, Eqs. 2–5): motion supervision and point tracking on the inverted latent.</summary>
internal sealed class DragStage(IVideoDiffusionBackbone backbone, IDragObjective objective, DragOptimizationOptions options,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<DragStage>();

    /// <summary>Returns the optimised latent ẑ_t and the tracked handles (frame pixels, for reporting); the caller disposes it.</summary>
    public DragOptimizationResult Run(EditState state, DragStageInput input)
    {
        var optimizer = new DragLatentOptimizer(backbone, input.Schedule.Ddim, objective, options, loggerFactory.CreateLogger<DragLatentOptimizer>());
        var progress = state.Progress is null ? null : new InlineProgress<DragOptimizationStep>(s =>
            state.Report(EditStage.DragOptimization, s.Step, s.TotalSteps, s.Loss is null ? "every handle reached its target" : null,
                s.Loss, s.MeanHandleDistance));
        var dragged = optimizer.OptimizeFeatures(input.Instruction, input.Inverted, input.Schedule.Timestep, input.Text, progress, state.Cancellation);
        _logger.LogInformation("drag: {Updates} updates, mean handle→target {First:F2} → {Last:F2} px", dragged.UpdatesApplied,
            dragged.MeanHandleDistances.FirstOrDefault(), dragged.MeanHandleDistances.LastOrDefault());
        state.Lap(EditStage.DragOptimization);
        return dragged;
    }
}
