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
            .Services.BuildServiceProvider();
        provider.GetRequiredService<IVideoDragEditor>().Should().BeOfType<FastWarpDragEditor>();
        provider.GetRequiredService<IInstructionPropagator>().Should().BeOfType<DragInstructionPropagator>();
        var objective = provider.GetRequiredService<IDragObjective>().Should().BeOfType<MotionSupervisionLoss>().Subject;
        objective.PatchRadius.Should().Be(2);
        objective.MaskWeight.Should().Be(0.3);
        var options = provider.GetRequiredService<IOptions<DragVideoOptions>>().Value;
        options.Lora.Steps.Should().Be(100);
        options.Lora.Adapters.Rank.Should().Be(16);
        options.Inversion.InferenceSteps.Should().Be(50);
        options.Inversion.ResolveActualSteps().Should().Be(38);
        options.Drag.Steps.Should().Be(40);
        options.Drag.TrackingRadius.Should().Be(3);
    }

    [Fact]
    public void Invalid_options_fail_at_start_naming_the_setting()
    {
        using var provider = new ServiceCollection()
            .AddDragVideo(o => o.Drag = o.Drag with { Steps = -1 })
            .Services.BuildServiceProvider();
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
            .Services.BuildServiceProvider();
        provider.GetRequiredService<IDragObjective>().Should().BeSameAs(mine);
    }

    [Fact]
    public void The_builder_selects_the_backend_fast_without_diffusion_parts_and_diffusion_with_a_backbone()
    {
        var noModel = new DragVideoBuilder();
        noModel.UsesDiffusion.Should().BeFalse();
        noModel.BuildEditor().Should().BeOfType<FastWarpDragEditor>();
        using var unet = TinyDiffusion.Load();
        var withBackbone = new DragVideoBuilder().UseBackbone(unet);
        withBackbone.UsesDiffusion.Should().BeTrue("a backbone means the diffusion backend");
        var build = () => withBackbone.BuildEditor();
        build.Should().Throw<InvalidOperationException>().WithMessage("*scheduler*", "the diffusion backend was selected and lacks its scheduler");
    }

    [Fact]
    public void The_editor_keeps_a_validated_snapshot_of_its_options_so_later_changes_do_not_reach_it()
    {
        var options = new DragVideoOptions();
        options.Drag = options.Drag with { Steps = 7 };
        using var tiny = new Support.TinyEditor();
        using var editor = tiny.Builder().UseOptions(options).Build();
        options.Drag = options.Drag with { Steps = 9 };
        var view = editor.Options;
        view.Drag = view.Drag with { Steps = 11 };
        editor.Options.Drag.Steps.Should().Be(7, "neither the caller's instance nor the returned copy is the editor's");
    }
}
