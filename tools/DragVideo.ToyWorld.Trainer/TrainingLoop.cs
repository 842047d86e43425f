using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld.Training;

/// <summary>
/// The loop every toy-model job shares: resume from the newest checkpoint (refusing another run's), set the scheduled
/// learning rate, run one step, keep a loss EMA, report progress, checkpoint atomically every
/// <see cref="TrainingSettings.CheckpointEvery"/> steps and at the last one. The job supplies only its step.
/// </summary>
internal static class TrainingLoop
{
    /// <summary>Runs steps <c>start+1 … settings.LastStep</c>; returns the final loss EMA and the total training seconds.</summary>
    /// <param name="step">one optimiser step on batch k; returns the loss to report.</param>
    /// <param name="afterCheckpoint">called after each checkpoint (e.g. to export the newest weights).</param>
    public static (double LossEma, double Seconds) Run(string job, string fingerprint, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer,
        TrainingSettings settings, string runFolder, int logEvery, double emaDecay, Func<int, double> step, CancellationToken ct,
        Action? afterCheckpoint = null)
    {
        var store = new CheckpointStore(runFolder);
        int start = 0;
        double ema = double.NaN, elapsedBefore = 0;
        if (store.Latest() is { } latest)
        {
            var state = store.Load(latest, model, optimizer, job, fingerprint);
            (start, ema, elapsedBefore) = (state.Step, state.LossEma, state.ElapsedSeconds);
            Console.WriteLine($"resuming {job} from {latest} (step {start})");
        }
        var clock = Stopwatch.StartNew();
        var progress = new ProgressLine(job, settings.Steps, logEvery);
        for (int k = start + 1; k <= settings.LastStep; k++)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var group in optimizer.ParamGroups) group.LearningRate = settings.LearningRateAt(k);
            double loss = step(k);
            if (!double.IsFinite(loss)) throw new TrainingException($"the {job} loss became {loss} at step {k}; lower --lr and resume from the last checkpoint.");
            ema = double.IsNaN(ema) ? loss : emaDecay * ema + (1 - emaDecay) * loss;
            progress.Report(k, loss, ema);
            if (k % settings.CheckpointEvery == 0 || k == settings.LastStep)
            {
                store.Save(model, optimizer, new CheckpointState(job, k, settings.Steps, settings.Seed, fingerprint, ema, elapsedBefore + clock.Elapsed.TotalSeconds));
                afterCheckpoint?.Invoke();
            }
        }
        progress.Done();
        return (ema, elapsedBefore + clock.Elapsed.TotalSeconds);
    }

    /// <summary>One optimiser step on <paramref name="loss"/> (gradients clipped to norm 1); returns its value.</summary>
    public static double Backward(Tensor loss, TorchSharp.Modules.OptimizerHelper optimizer, IEnumerable<TorchSharp.Modules.Parameter> parameters)
    {
        optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(parameters, 1.0);
        optimizer.step();
        return loss.item<float>();
    }
}
