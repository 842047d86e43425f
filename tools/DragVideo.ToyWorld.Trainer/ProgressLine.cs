using System.Diagnostics;

namespace DragVideo.ToyWorld.Training;

/// <summary>A one-line progress bar (step, loss EMA, steps/s, ETA) redrawn in place on a terminal, appended as plain
/// lines every <c>logEvery</c> steps otherwise (background runs write to a log file).</summary>
internal sealed class ProgressLine(string job, int totalSteps, int logEvery)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private int _startStep = -1;

    public void Report(int step, double loss, double lossEma)
    {
        if (_startStep < 0) _startStep = step - 1;
        double rate = (step - _startStep) / Math.Max(_clock.Elapsed.TotalSeconds, 1e-6);
        var eta = TimeSpan.FromSeconds((totalSteps - step) / Math.Max(rate, 1e-9));
        int filled = (int)(30.0 * step / totalSteps);
        string line = $"{job} [{new string('#', filled)}{new string('.', 30 - filled)}] {step}/{totalSteps} loss {loss:0.00000} ema {lossEma:0.00000} {rate:0.00} step/s eta {eta:hh\\:mm\\:ss}";
        if (_interactive) Console.Write("\r" + line);
        else if (step % logEvery == 0 || step == totalSteps) Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");
    }

    public void Done()
    {
        if (_interactive) Console.WriteLine();
    }
}
