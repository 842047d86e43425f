namespace DragVideo;

/// <summary>A progress report from an editor.</summary>
/// <param name="Stage">current stage.</param>
/// <param name="Step">1-based step within the stage.</param>
/// <param name="TotalSteps">steps planned for the stage (the stage may stop early).</param>
/// <param name="Message">human-readable detail, or null.</param>
/// <param name="Loss">loss of this step when the stage optimises something (LoRA: Eq. 1; drag: Eq. 3).</param>
/// <param name="MeanHandleDistance">drag stage: mean handle→target distance in pixels after this step.</param>
public sealed record EditProgress(
    EditStage Stage,
    int Step,
    int TotalSteps,
    string? Message = null,
    double? Loss = null,
    double? MeanHandleDistance = null)
{
    /// <summary>Fraction of the stage done, in [0, 1].</summary>
    public double Fraction => TotalSteps <= 0 ? 1 : Math.Clamp((double)Step / TotalSteps, 0, 1);

    /// <summary>
    /// One console line, invariant culture: <c>Stage step/total</c>, then the loss and the handle distance when the
    /// stage measured them, then the message (e.g. <c>DragOptimization 3/80 loss 0.412 12.5 px</c>).
    /// </summary>
    public override string ToString()
    {
        var line = new System.Text.StringBuilder();
        line.Append(System.Globalization.CultureInfo.InvariantCulture, $"{Stage} {Step}/{TotalSteps}");
        if (Loss is { } loss) line.Append(System.Globalization.CultureInfo.InvariantCulture, $" loss {loss:G4}");
        if (MeanHandleDistance is { } d) line.Append(System.Globalization.CultureInfo.InvariantCulture, $" {d:0.0} px");
        if (!string.IsNullOrEmpty(Message)) line.Append(": ").Append(Message);
        return line.ToString();
    }
}
