using DragVideo.Diffusion.Schedulers;
using DragVideo.Editing.Stages;
using DragVideo.Editing.Tests.Support;
using DragVideo.Testing;

namespace DragVideo.Editing.Tests.Stages;

/// <summary>The edit's immutable schedule: what the drag and denoising stages read instead of a shared mutable scheduler.</summary>
public sealed class EditScheduleTests
{
    [Fact]
    public void The_paper_settings_give_38_inverted_steps_start_index_12_and_t741_without_touching_the_scheduler()
    {
        var scheduler = TinyDiffusion.Scheduler();
        scheduler.SetTimesteps(25);
        var before = scheduler.Timesteps.ToList();
        var schedule = EditSchedule.From(scheduler, new DdimInversionOptions());
        (schedule.InvertedSteps, schedule.StartIndex, schedule.Timestep).Should().Be((38, 12, 741L));
        schedule.Ddim.InferenceSteps.Should().Be(50);
        scheduler.Timesteps.Should().Equal(before);
    }

    [Fact]
    public void A_target_timestep_sets_the_depth_and_one_outside_the_schedule_is_refused()
    {
        var scheduler = TinyDiffusion.Scheduler();
        var schedule = EditSchedule.From(scheduler, new DdimInversionOptions { TargetTimestep = 501 });
        (schedule.InvertedSteps, schedule.Timestep).Should().Be((26, 501L));
        var act = () => EditSchedule.From(scheduler, new DdimInversionOptions { TargetTimestep = 500 });
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("TargetTimestep");
    }

    [Fact]
    public void The_editor_refuses_an_inversion_that_keeps_intermediates_naming_the_setting()
    {
        var options = new DragVideoOptions { Inversion = new DdimInversionOptions { KeepIntermediates = true } };
        var act = () => options.Validate();
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("Inversion.KeepIntermediates");
    }

    [Fact]
    public void Building_an_editor_whose_target_timestep_is_not_in_its_schedule_fails_at_build_naming_the_setting()
    {
        using var tiny = new TinyEditor();
        var act = () => tiny.Builder().Configure(o => o.Inversion = o.Inversion with { TargetTimestep = 500 }).Build();
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("TargetTimestep");
    }
}
