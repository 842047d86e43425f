using DragVideo.Diffusion.Schedulers;

namespace DragVideo.Editing.Stages;

/// <summary>
/// The edit's DDIM schedule as one immutable value every stage reads (DragVideo §3.4): the schedule's timesteps, how many
/// of them are inverted, and where denoising resumes. Made once from the options; the shared scheduler is never changed.
/// </summary>
/// <param name="Ddim">the immutable n-step schedule (its ᾱ table is the editor's scheduler's).</param>
/// <param name="InvertedSteps">inversion steps (paper: round(0.75 · 50) = 38).</param>
internal sealed record EditSchedule(DdimSchedule Ddim, int InvertedSteps)
{
    /// <summary>Index of the drag timestep in <see cref="DdimSchedule.Timesteps"/> (n − inverted; 12 for the paper).</summary>
    public int StartIndex => Ddim.StartIndex(InvertedSteps);

    /// <summary>The drag timestep t (SD1.5, 50 steps, 0.75: 741).</summary>
    public long Timestep => Ddim.Timesteps[StartIndex];

    /// <summary>The schedule <paramref name="options"/> ask of <paramref name="scheduler"/>.</summary>
    /// <exception cref="ArgumentException">the options do not fit the scheduler (e.g. a target timestep not in the schedule).</exception>
    public static EditSchedule From(DdimScheduler scheduler, DdimInversionOptions options)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(options);
        var schedule = scheduler.CreateSchedule(options.InferenceSteps);
        return new EditSchedule(schedule, options.ActualStepsOn(schedule));
    }
}
