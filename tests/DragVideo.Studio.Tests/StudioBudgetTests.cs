using DragVideo.Studio.Api;
using DragVideo.Studio.Hosting;

namespace DragVideo.Studio.Tests;

public class StudioBudgetTests
{
    [Fact]
    public void A_clip_that_does_not_fit_the_shared_memory_budget_gets_503_until_another_is_released()
    {
        long clip = StudioBudget.ClipBytesOf(48, 768, 768);
        clip.Should().Be(48L * 3 * 768 * 768 * 4);
        var budget = new StudioBudget(2 * clip, maxConcurrentRuns: 1);
        var a = budget.ReserveClip(clip);
        using var b = budget.ReserveClip(clip);
        var ex = FluentActions.Invoking(() => budget.ReserveClip(clip)).Should().Throw<StudioApiException>().Which;
        ex.Status.Should().Be(503);
        ex.Code.Should().Be("server-busy");
        ex.Message.Should().Contain("--max-memory-mb");
        budget.ClipBytes.Should().Be(2 * clip);

        a.Dispose();
        a.Dispose(); // releasing twice gives back once
        budget.ClipBytes.Should().Be(clip);
        using var c = budget.ReserveClip(clip);
        budget.ClipBytes.Should().Be(2 * clip);
    }

    [Fact]
    public void Runs_beyond_the_server_wide_limit_get_503()
    {
        var budget = new StudioBudget(1 << 20, maxConcurrentRuns: 2);
        var first = budget.BeginRun();
        using var second = budget.BeginRun();
        FluentActions.Invoking(() => budget.BeginRun()).Should().Throw<StudioApiException>()
            .Which.Message.Should().Contain("--max-runs 2");
        first.Dispose();
        using var third = budget.BeginRun();
        budget.Runs.Should().Be(2);
    }
}
