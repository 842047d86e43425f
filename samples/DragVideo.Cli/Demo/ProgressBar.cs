using Spectre.Console;

namespace DragVideo.Cli.Demo;

/// <summary>Shows editor progress as Spectre.Console progress bars, one per stage.</summary>
internal sealed class ProgressBar : IProgress<EditProgress>
{
    private readonly ProgressContext _context;
    private readonly Dictionary<EditStage, ProgressTask> _tasks = new();
    private readonly object _gate = new();

    public ProgressBar(ProgressContext context) => _context = context;

    public void Report(EditProgress value)
    {
        lock (_gate)
        {
            if (value.Stage == EditStage.Completed)
            {
                foreach (var t in _tasks.Values) t.Value = t.MaxValue;
                return;
            }
            if (!_tasks.TryGetValue(value.Stage, out var task))
            {
                task = _context.AddTask(value.Stage.ToString(), maxValue: Math.Max(1, value.TotalSteps));
                _tasks[value.Stage] = task;
            }
            task.MaxValue = Math.Max(1, value.TotalSteps);
            task.Value = value.Step;
            if (value.MeanHandleDistance is double d) task.Description = $"{value.Stage} (handle distance {d:0.0} px)";
        }
    }

    /// <summary>Runs <paramref name="body"/> under a live progress display.</summary>
    public static Task<T> RunAsync<T>(Func<ProgressBar, Task<T>> body) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(ctx => body(new ProgressBar(ctx)));

    /// <summary>Adds a one-step task for work without its own progress (e.g. metrics) and completes it when done.</summary>
    public async Task<T> StepAsync<T>(string name, Func<T> work)
    {
        ProgressTask task;
        lock (_gate) task = _context.AddTask(name, maxValue: 1).IsIndeterminate(true);
        var result = await Task.Run(work).ConfigureAwait(false);
        lock (_gate) { task.IsIndeterminate(false); task.Value = 1; }
        return result;
    }
}
