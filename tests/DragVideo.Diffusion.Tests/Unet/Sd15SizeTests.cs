using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Unet;

/// <summary>The default-device switch used below is process-wide, so these tests run alone.</summary>
[CollectionDefinition(nameof(Sd15SizeTests), DisableParallelization = true)]
public sealed class Sd15SizeCollection;

[Collection(nameof(Sd15SizeTests))]
public class Sd15SizeTests(ITestOutputHelper output)
{
    /// <summary>Parameters of one AnimateDiff motion module over C channels: 22·C² + 21·C (norm, proj_in/out, two
    /// bias-free q/k/v attentions with biased output, three layer norms, GEGLU feed-forward with 4× hidden).</summary>
    private static long MotionModuleParameters(long c) => 22 * c * c + 21 * c;

    [Fact]
    public void Sd15_sized_unet_and_motion_unet_have_the_reference_parameter_counts()
    {
        TorchRuntime.EnsureLoaded();
        // The meta device allocates no storage: the full-size graphs are built in seconds without ~5 GB of weights.
        var previous = get_default_device();
        set_default_device(new Device(DeviceType.META));
        try
        {
            long unet2d, motion;
            using (var m = new UNet2DConditionModel(UNet2DConditionConfig.StableDiffusion15))
                unet2d = m.parameters().Sum(p => p.numel());
            using (var m = new UNetMotionModel(UNet2DConditionConfig.StableDiffusion15, MotionAdapterConfig.AnimateDiffSd15))
                motion = m.parameters().Sum(p => p.numel());
            output.WriteLine($"SD1.5 UNet2DConditionModel parameters: {unet2d:N0}");
            output.WriteLine($"SD1.5 + AnimateDiff v2 UNetMotionModel parameters: {motion:N0} (motion modules {motion - unet2d:N0})");

            unet2d.Should().Be(859_520_964L, "that is the parameter count of the real SD1.5 U-Net");
            // Motion modules: 2 per down level (320, 640, 1280, 1280), 3 per up level, 1 in the mid block.
            long expectedMotion = 5 * MotionModuleParameters(320) + 5 * MotionModuleParameters(640) + 11 * MotionModuleParameters(1280);
            (motion - unet2d).Should().Be(expectedMotion).And.Be(453_209_280L);
        }
        finally { set_default_device(previous); }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Sd15_sized_motion_unet_builds_with_random_weights_on_the_cpu_and_runs_a_small_forward()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = new UNetMotionModel(UNet2DConditionConfig.StableDiffusion15, MotionAdapterConfig.AnimateDiffSd15);
        model.parameters().Sum(p => p.numel()).Should().Be(859_520_964L + 453_209_280L);
        model.AttentionLayers.Should().HaveCount(32 + 42, "16 spatial transformers × 2 and 21 motion modules × 2");

        var latents = randn(new long[] { 1, 4, 2, 16, 16 });
        var noise = model.PredictNoise(latents, tensor(500L), randn(new long[] { 1, 77, 768 }));
        noise.shape.Should().Equal(1, 4, 2, 16, 16);
        noise.isfinite().all().item<bool>().Should().BeTrue();
    }
}
