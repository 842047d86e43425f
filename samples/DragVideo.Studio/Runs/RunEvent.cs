namespace DragVideo.Studio.Runs;

/// <summary>One server-sent event of a run: <see cref="Type"/> is the SSE event name, <see cref="Data"/> its JSON payload.</summary>
/// <param name="Type">"progress", "done", "failed" or "cancelled".</param>
/// <param name="Data">payload, serialised as camel-case JSON.</param>
public sealed record RunEvent(string Type, object Data)
{
    /// <summary>True for the events that end a run.</summary>
    public bool IsTerminal => Type is "done" or "failed" or "cancelled";
}

/// <summary>Progress payload: stage, step, and the current handle→target distance when the editor reports one.</summary>
public sealed record ProgressPayload(string Stage, int Step, int TotalSteps, double Fraction, string? Message,
    double? Loss, double? Distance);

/// <summary>Failure / cancellation payload.</summary>
public sealed record MessagePayload(string Message);
