using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Diffusion.Tests.Unet;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Motion;

public class UNetMotionHalfPrecisionTests
{
    /// <summary>bfloat16 matmuls are hundreds of times slower than float32 on CPUs without AVX-512 BF16, hence Slow.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void A_bfloat16_build_keeps_every_tensor_in_bfloat16_and_predicts_close_to_float32()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var reference = TinyUnets.LoadMotion();
        var unetConfig = UNet2DConditionConfig.FromJsonFile(Fixtures.PathOf("motion", "unet_motion", "config.json"));
        var adapterConfig = MotionAdapterConfig.FromJsonFile(Fixtures.PathOf("motion", "motion_adapter", "config.json"));
        using var half = new UNetMotionModel(unetConfig, adapterConfig, dtype: ScalarType.BFloat16);
        StateDictLoader.LoadStrict(half, reference.state_dict(), "float32 reference model");

        half.DType.Should().Be(ScalarType.BFloat16);
        half.state_dict().Values.Should().OnlyContain(t => t.dtype == ScalarType.BFloat16);

        var g = new Generator(3);
        var latents = randn(new long[] { 1, 4, 2, 8, 8 }, generator: g);
        var text = randn(new long[] { 1, 77, 32 }, generator: g);
        var expected = reference.PredictNoise(latents, tensor(501L), text);
        var actual = half.PredictNoise(latents, tensor(501L), text);

        actual.dtype.Should().Be(ScalarType.BFloat16);
        TensorAssert.Close(actual, expected, 0.1, 0.05, "bfloat16 vs float32 (8-bit mantissa)");
    }
}
