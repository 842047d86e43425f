using DragVideo.Editing.Drag;
using DragVideo.Editing.Fast;
using DragVideo.Tracking;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DragVideo.Editing.Tests;

public class AddDragVideoTests
{
    [Fact]
    public void Without_a_model_path_the_fast_editor_and_the_default_parts_are_registered_with_configured_options()
    {
        using var provider = new ServiceCollection()
            .AddDragVideo(o => o.Drag = o.Drag with { PatchRadius = 2, MaskWeight = 0.3 })
            .BuildServiceProvider();
        provider.GetRequiredService<IVideoDragEditor>().Should().BeOfType<FastWarpDragEditor>();
        provider.GetRequiredService<IInstructionPropagator>().Should().BeOfType<DragInstructionPropagator>();
        var objective = provider.GetRequiredService<IDragObjective>().Should().BeOfType<MotionSupervisionLoss>().Subject;
        objective.PatchRadius.Should().Be(2);
        objective.MaskWeight.Should().Be(0.3);
        var options = provider.GetRequiredService<IOptions<DragVideoOptions>>().Value;
        options.Lora.Steps.Should().Be(100);
        options.Lora.Adapters.Rank.Should().Be(16);
        options.Inversion.InferenceSteps.Should().Be(50);
        options.Inversion.InvertedSteps.Should().Be(38);
        options.Drag.Steps.Should().Be(40);
        options.Drag.TrackingRadius.Should().Be(3);
    }

    [Fact]
    public void Invalid_options_fail_at_start_naming_the_setting()
    {
        using var provider = new ServiceCollection()
            .AddDragVideo(o => o.Drag = o.Drag with { Steps = -1 })
            .BuildServiceProvider();
        var startup = provider.GetRequiredService<IStartupValidator>();
        var act = () => startup.Validate();
        act.Should().Throw<OptionsValidationException>().WithMessage("*Drag.Steps*");
        var resolve = () => provider.GetRequiredService<IVideoDragEditor>();
        resolve.Should().Throw<OptionsValidationException>();
    }

    [Fact]
    public void Registrations_made_by_the_app_are_kept()
    {
        var mine = new MotionSupervisionLoss(patchRadius: 0);
        using var provider = new ServiceCollection()
            .AddSingleton<IDragObjective>(mine)
            .AddDragVideo()
            .BuildServiceProvider();
        provider.GetRequiredService<IDragObjective>().Should().BeSameAs(mine);
    }
}
