using DragVideo.Diffusion.Loading;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Loading;

public class AnimateDiffConverterTests
{
    public AnimateDiffConverterTests() => TorchRuntime.EnsureLoaded();

    [Theory]
    [Trait("Category", "Parity")]
    [InlineData("tiny_mm_sd_v15_v2.safetensors")]
    [InlineData("tiny_mm_sd_v15_v2.ckpt")]
    public void The_original_motion_module_maps_to_the_diffusers_adapter_tensors_except_the_positional_encodings(string file)
    {
        var original = CheckpointReader.Load(Fixtures.PathOf("motion_ckpt", file), new CheckpointReadOptions { AllowPickle = true });
        var adapter = SafetensorsReader.Load(Fixtures.PathOf("motion", "motion_adapter", "diffusion_pytorch_model.safetensors"));
        try
        {
            AnimateDiffConverter.IsOriginalNaming(original.Keys).Should().BeTrue();
            var converted = AnimateDiffConverter.Convert(original);
            converted.DroppedPositionalEncodings.Should().HaveCount(22);
            var expectedKeys = adapter.Keys.Where(k => !k.EndsWith(".pos_embed.pe", StringComparison.Ordinal)).ToList();
            expectedKeys.Should().HaveCount(286);
            converted.Tensors.Keys.Should().BeEquivalentTo(expectedKeys);
            foreach (var k in expectedKeys)
            {
                converted.Tensors[k].shape.Should().Equal(adapter[k].shape, k);
                converted.Tensors[k].bytes.SequenceEqual(adapter[k].bytes).Should().BeTrue(k);
            }
            // The dropped encodings are the same sinusoid the adapter stores (so dropping them loses nothing).
            var pe = original["down_blocks.1.motion_modules.0.temporal_transformer.transformer_blocks.0.attention_blocks.1.pos_encoder.pe"];
            TensorAssert.MaxAbsDiff(pe, adapter["down_blocks.1.motion_modules.0.transformer_blocks.0.pos_embed.pe"]).Should().Be(0);

            converted.Layout.BlockOutChannels.Should().Equal(32, 64);
            converted.Layout.MotionLayersPerBlock.Should().Be(2);
            converted.Layout.UseMidBlock.Should().BeTrue();
            converted.Layout.MaxSequenceLength.Should().Be(32);
        }
        finally
        {
            foreach (var t in original.Values.Concat(adapter.Values)) t.Dispose();
        }
    }

    [Theory]
    [InlineData("up_blocks.2.motion_modules.1.temporal_transformer.transformer_blocks.0.attention_blocks.1.to_out.0.weight",
        "up_blocks.2.motion_modules.1.transformer_blocks.0.attn2.to_out.0.weight")]
    [InlineData("mid_block.motion_modules.0.temporal_transformer.transformer_blocks.0.ff_norm.bias",
        "mid_block.motion_modules.0.transformer_blocks.0.norm3.bias")]
    [InlineData("down_blocks.3.motion_modules.0.temporal_transformer.transformer_blocks.0.norms.0.weight",
        "down_blocks.3.motion_modules.0.transformer_blocks.0.norm1.weight")]
    [InlineData("down_blocks.0.motion_modules.1.temporal_transformer.proj_out.bias", "down_blocks.0.motion_modules.1.proj_out.bias")]
    [InlineData("down_blocks.0.motion_modules.0.temporal_transformer.transformer_blocks.0.attention_blocks.0.pos_encoder.pe", null)]
    public void Original_names_map_like_the_diffusers_script(string original, string? diffusers) =>
        AnimateDiffConverter.MapKey(original).Should().Be(diffusers);
}
