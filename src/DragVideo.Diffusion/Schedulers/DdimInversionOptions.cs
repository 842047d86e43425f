namespace DragVideo.Diffusion.Schedulers;

/// <summary>
/// Settings of a DDIM inversion: the DDIM schedule and how deep to invert (DragVideo §3.4). Defaults are DragDiffusion's
/// and the DragVideo paper's (§4.1): 50 DDIM steps (the released code uses 49), inverted to 0.75 of the schedule
/// (<c>n_actual_inference_step = round(0.75 · 50) = 38</c>, i.e. timestep 741 for SD1.5). No classifier-free guidance,
/// and no doubled batch. The one inversion record: the editor's <c>DragVideoOptions.Inversion</c> is this type.
/// </summary>
public sealed record DdimInversionOptions
{
    /// <summary>Number of DDIM inference steps of the full schedule (paper: 50).</summary>
    public int InferenceSteps { get; init; } = 50;

    /// <summary>Fraction of the schedule to invert, in (0, 1] (paper: 0.75). Ignored when <see cref="ActualSteps"/> is set.</summary>
    public double Strength { get; init; } = 0.75;

    /// <summary>Explicit number of inversion steps (overrides <see cref="Strength"/>), in [1, <see cref="InferenceSteps"/>].</summary>
    public int? ActualSteps { get; init; }

    /// <summary>
    /// Explicit timestep to invert to (overrides <see cref="Strength"/> and <see cref="ActualSteps"/>); must be one of
    /// the schedule's timesteps, e.g. 741 for SD1.5 with 50 steps.
    /// </summary>
    public long? TargetTimestep { get; init; }

    /// <summary>Keep the latent and x̂₀ after every step in the result (memory grows with the step count).</summary>
    public bool KeepIntermediates { get; init; }

    /// <summary>
    /// Number of inversion steps these options give: <see cref="ActualSteps"/>, or Python's
    /// <c>round(Strength · InferenceSteps)</c> (half to even).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">a value is out of range.</exception>
    public int ResolveActualSteps()
    {
        if (InferenceSteps < 1) throw new ArgumentOutOfRangeException(nameof(InferenceSteps), InferenceSteps, "Must be ≥ 1.");
        if (ActualSteps is { } a)
        {
            if (a < 1 || a > InferenceSteps)
                throw new ArgumentOutOfRangeException(nameof(ActualSteps), a, $"Must be in [1, {InferenceSteps}].");
            return a;
        }
        if (!(Strength > 0 && Strength <= 1)) throw new ArgumentOutOfRangeException(nameof(Strength), Strength, "Must be in (0, 1].");
        return Math.Max(1, (int)Math.Round(Strength * InferenceSteps, MidpointRounding.ToEven));
    }

    /// <summary>
    /// Number of inversion steps on <paramref name="schedule"/>: the position of <see cref="TargetTimestep"/> in inversion
    /// order when it is set, else <see cref="ResolveActualSteps"/>.
    /// </summary>
    /// <exception cref="ArgumentException">the target timestep is not one of the schedule's, or the schedule has another step count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">a value is out of range.</exception>
    public int ActualStepsOn(DdimSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        int actual = ResolveActualSteps();
        if (schedule.InferenceSteps != InferenceSteps)
            throw new ArgumentException($"the schedule has {schedule.InferenceSteps} steps; these options ask for {InferenceSteps}.", nameof(schedule));
        if (TargetTimestep is not { } target) return actual;
        int index = schedule.Timesteps.Reverse().ToList().IndexOf(target);
        if (index < 0)
            throw new ArgumentException($"Target timestep {target} is not in the {InferenceSteps}-step schedule ({schedule.Timesteps[^1]} … {schedule.Timesteps[0]}).",
                nameof(TargetTimestep));
        return index + 1;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting (the target timestep is checked against a schedule by <see cref="ActualStepsOn"/>).</summary>
    public void Validate()
    {
        if (InferenceSteps < 1) throw new ArgumentOutOfRangeException(nameof(InferenceSteps), InferenceSteps, "at least one DDIM step is needed.");
        if (!(Strength > 0 && Strength <= 1)) throw new ArgumentOutOfRangeException(nameof(Strength), Strength, "the inversion strength must be in (0, 1].");
        ResolveActualSteps();
        if (TargetTimestep is < 0) throw new ArgumentOutOfRangeException(nameof(TargetTimestep), TargetTimestep, "a timestep is 0 or more.");
    }
}
