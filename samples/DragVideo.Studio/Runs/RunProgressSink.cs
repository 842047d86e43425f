namespace DragVideo.Studio.Runs;

/// <summary>
/// Forwards an editor's progress to a run's event stream, synchronously on the editor's thread (so events keep their
/// order). With a step delay (<c>--step-delay-ms</c>, tests only) it pauses after each step, waking at once on cancel.
/// </summary>
public sealed class RunProgressSink : IProgress<EditProgress>
{
    private readonly StudioRun _run;
    private readonly TimeSpan _stepDelay;

    /// <summary>Creates the sink.</summary>
    public RunProgressSink(StudioRun run, TimeSpan stepDelay)
    {
        _run = run;
        _stepDelay = stepDelay;
    }

    /// <summary>The last reported handle→target distance, if any.</summary>
    public double? LastDistance { get; private set; }

    /// <inheritdoc />
    public void Report(EditProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.MeanHandleDistance is { } d && double.IsFinite(d)) LastDistance = d;
        _run.Publish(new RunEvent("progress", new ProgressPayload(
            value.Stage.ToString(), value.Step, value.TotalSteps, value.Fraction, value.Message,
            value.Loss is { } l && double.IsFinite(l) ? l : null,
            value.MeanHandleDistance is { } m && double.IsFinite(m) ? m : null)));
        if (_stepDelay > TimeSpan.Zero) _run.Token.WaitHandle.WaitOne(_stepDelay);
    }
}
