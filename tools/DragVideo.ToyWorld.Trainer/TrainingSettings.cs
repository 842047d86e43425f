namespace DragVideo.ToyWorld.Training;

/// <summary>One training job's settings (validated at the command line).</summary>
internal sealed record TrainingSettings(int Steps, int Batch, double LearningRate, int Seed, int CheckpointEvery, int WarmupSteps = 100, int? StopAt = null)
{
    /// <summary>Training scenes are drawn from seeds at or above this; held-out evaluation uses seeds below it.</summary>
    public const int FirstTrainingSeed = 1_000_000;

    /// <summary>The last step this invocation runs: <see cref="StopAt"/> when set (the schedule still spans <see cref="Steps"/>).</summary>
    public int LastStep => Math.Min(Steps, StopAt ?? Steps);

    /// <summary>Linear warm-up, then cosine decay to 10 % of the peak.</summary>
    public double LearningRateAt(int step)
    {
        if (step <= WarmupSteps) return LearningRate * step / Math.Max(1, WarmupSteps);
        double progress = (step - WarmupSteps) / (double)Math.Max(1, Steps - WarmupSteps);
        return LearningRate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(progress, 1))));
    }
}
