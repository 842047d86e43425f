using DragVideo.Studio.Api;
using DragVideo.Studio.Engine;

namespace DragVideo.Studio.Tests;

public class DiffusionOptionsTests
{
    [Fact]
    public void The_pages_settings_map_onto_the_diffusion_editors_option_records()
    {
        var o = SdkStudioEngine.DiffusionOptions(new EditParamsDto(PixelSteps: 12, Lambda: 0.2, InversionStrength: 0.5,
            LatentLr: 0.02, Radius: 7, LoraSteps: 30, LoraLr: 1e-3, LoraRank: 8, LoraBatch: 4));
        (o.Drag.Steps, o.Drag.MaskWeight, o.Drag.LearningRate).Should().Be((12, 0.2, 0.02));
        o.Inversion.Strength.Should().Be(0.5);
        (o.Lora.Steps, o.Lora.LearningRate, o.Lora.BatchFrames, o.Lora.Adapters.Rank).Should().Be((30, 1e-3, 4, 8));
        o.TrainLora.Should().BeTrue();
        o.Invoking(x => x.Validate()).Should().NotThrow();
    }

    [Fact]
    public void The_defaults_are_the_papers_and_zero_lora_steps_skip_lora_training()
    {
        var d = SdkStudioEngine.DiffusionOptions(new EditParamsDto());
        (d.Drag.Steps, d.Drag.MaskWeight, d.Drag.LearningRate, d.Inversion.Strength).Should().Be((40, 0.1, 0.01, 0.75));
        (d.Lora.Steps, d.Lora.LearningRate, d.Lora.BatchFrames, d.Lora.Adapters.Rank).Should().Be((100, 5e-4, 12, 16));
        SdkStudioEngine.DiffusionOptions(new EditParamsDto(LoraSteps: 0)).TrainLora.Should().BeFalse();
    }
}
