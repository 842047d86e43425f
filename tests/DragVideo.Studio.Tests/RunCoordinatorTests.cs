using DragVideo.Studio.Runs;
using DragVideo.Studio.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace DragVideo.Studio.Tests;

public sealed class RunCoordinatorTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "studio-tests-" + Ids.New());
    private readonly RunCoordinator _runs = new(TimeSpan.Zero, NullLogger.Instance);
    private readonly StudioSession _session = new(Ids.New(), 4);

    public void Dispose()
    {
        _session.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, true);
    }

    [Fact]
    public async Task A_second_run_while_one_is_going_is_refused_as_busy_and_accepted_afterwards()
    {
        var release = new TaskCompletionSource();
        var first = _runs.Start(_session, "clip", _root, async (_, _, _) => { await release.Task; return "ok"; });

        var act = () => _runs.Start(_session, "clip", _root, (_, _, _) => Task.FromResult<object>("second"));
        act.Should().Throw<StudioBusyException>().Which.ActiveRunId.Should().Be(first.Id);

        release.SetResult();
        await first.Completion;
        first.Status.Should().Be(RunStatus.Completed);
        var second = _runs.Start(_session, "clip", _root, (_, _, _) => Task.FromResult<object>("second"));
        await second.Completion;
        second.Outcome!.Type.Should().Be("done");
        second.Outcome.Data.Should().Be("second");
    }

    [Fact]
    public async Task Cancelling_removes_everything_the_run_wrote_and_ends_with_a_cancelled_event()
    {
        var started = new TaskCompletionSource();
        var run = _runs.Start(_session, "clip", _root, async (r, progress, ct) =>
        {
            await File.WriteAllTextAsync(Path.Combine(r.Folder, ".edited.partial.mp4"), "partial", ct);
            progress.Report(new EditProgress(EditStage.Warping, 1, 10, MeanHandleDistance: 12.5));
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        });
        await started.Task;
        Directory.GetFiles(run.Folder).Should().NotBeEmpty();

        run.Cancel();
        await run.Completion;
        run.Status.Should().Be(RunStatus.Cancelled);
        Directory.Exists(run.Folder).Should().BeFalse();
        var events = new List<RunEvent>();
        await foreach (var e in run.SubscribeAsync()) events.Add(e);
        events.Select(e => e.Type).Should().Equal("progress", "cancelled");
        events[0].Data.Should().BeOfType<ProgressPayload>().Which.Distance.Should().Be(12.5);
        _session.ActiveRun.Should().BeNull();
    }

    [Fact]
    public async Task A_failing_run_reports_a_user_message_and_leaves_no_folder()
    {
        var run = _runs.Start(_session, "clip", _root, (_, _, _) => throw new InvalidMediaException("the clip is broken"));
        await run.Completion;
        run.Status.Should().Be(RunStatus.Failed);
        run.Outcome!.Data.Should().BeOfType<MessagePayload>().Which.Message.Should().Be("the clip is broken");
        Directory.Exists(run.Folder).Should().BeFalse();
    }

    [Fact]
    public async Task A_setting_the_editor_rejects_is_reported_with_the_editors_message()
    {
        var run = _runs.Start(_session, "clip", _root, (_, _, _) => throw new ArgumentOutOfRangeException("Drag.Steps", 0, "must be at least 1."));
        await run.Completion;
        run.Outcome!.Data.Should().BeOfType<MessagePayload>().Which.Message.Should().Contain("Drag.Steps").And.Contain("at least 1");
    }

    [Fact]
    public async Task An_unexpected_error_is_not_leaked_to_the_page()
    {
        var run = _runs.Start(_session, "clip", _root, (_, _, _) => throw new InvalidOperationException("secret /internal/path"));
        await run.Completion;
        run.Outcome!.Data.Should().BeOfType<MessagePayload>().Which.Message.Should().NotContain("secret");
    }

    [Fact]
    public async Task A_late_subscriber_gets_every_event_in_order_and_a_live_one_gets_the_rest()
    {
        var gate = new TaskCompletionSource();
        var run = _runs.Start(_session, "clip", _root, async (_, progress, _) =>
        {
            progress.Report(new EditProgress(EditStage.Warping, 1, 2));
            await gate.Task;
            progress.Report(new EditProgress(EditStage.Warping, 2, 2));
            return "result";
        });
        var live = Task.Run(async () =>
        {
            var steps = new List<string>();
            await foreach (var e in run.SubscribeAsync())
                steps.Add(e.Data is ProgressPayload p ? $"{p.Stage}:{p.Step}" : e.Type);
            return steps;
        });
        gate.SetResult();
        await run.Completion;
        var late = new List<string>();
        await foreach (var e in run.SubscribeAsync())
            late.Add(e.Data is ProgressPayload p ? $"{p.Stage}:{p.Step}" : e.Type);
        late.Should().Equal("Warping:1", "Warping:2", "done");
        (await live).Should().Equal(late);
    }

    [Fact]
    public async Task The_step_delay_pauses_after_each_step_and_wakes_at_once_on_cancel()
    {
        var slow = new RunCoordinator(TimeSpan.FromMinutes(10), NullLogger.Instance);
        var reported = new TaskCompletionSource();
        var run = slow.Start(_session, "clip", _root, (_, progress, _) =>
        {
            reported.SetResult();
            progress.Report(new EditProgress(EditStage.Warping, 1, 2)); // blocks for the delay…
            return Task.FromResult<object>("done too early");
        });
        await reported.Task;
        run.IsFinished.Should().BeFalse();
        run.Cancel();                                                   // …until cancelled
        await run.Completion;
        run.Status.Should().Be(RunStatus.Cancelled);
    }
}
