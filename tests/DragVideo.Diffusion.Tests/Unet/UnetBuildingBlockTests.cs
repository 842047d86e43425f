using DragVideo.Diffusion.Modules.Attention;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Unet;

public class UnetBuildingBlockTests
{
    [Fact]
    public void Linear_projection_transformer_equals_the_conv_projection_one_with_the_same_weights()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var conv = new Transformer2DModel(heads: 2, headDim: 8, inChannels: 16, normNumGroups: 4, crossAttentionDim: 12);
        using var linear = new Transformer2DModel(heads: 2, headDim: 8, inChannels: 16, normNumGroups: 4, crossAttentionDim: 12, useLinearProjection: true);
        var source = conv.state_dict();
        foreach (var (key, target) in linear.state_dict())
            target.copy_(source[key].reshape(target.shape));   // 1×1 conv [C, C, 1, 1] ↔ linear [C, C]

        var x = randn(new long[] { 2, 16, 5, 3 });
        var text = randn(new long[] { 2, 7, 12 });
        var a = conv.forward(x, text, AttentionCall.None);
        var b = linear.forward(x, text, AttentionCall.None);

        TensorAssert.Close(b, a, 1e-5, 1e-5, "linear vs conv projection");
        TensorAssert.MaxAbsDiff(a, x).Should().BeGreaterThan(1e-3, "the transformer must change its input");
    }

    [Fact]
    public void Latents_whose_size_is_not_a_multiple_of_the_upsampling_factor_keep_their_size()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var model = TinyUnets.LoadMotion();
        var latents = randn(new long[] { 1, 4, 2, 9, 7 });
        var noise = model.PredictNoise(latents, tensor(300L), randn(new long[] { 1, 77, 32 }));
        noise.shape.Should().Equal(1, 4, 2, 9, 7);
        noise.isfinite().all().item<bool>().Should().BeTrue();
    }
}
