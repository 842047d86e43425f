using DragVideo.Diffusion.Loading;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Loading;

public class LdmCheckpointConverterTests
{
    public LdmCheckpointConverterTests() => TorchRuntime.EnsureLoaded();

    private static void AssertIdentical(IReadOnlyDictionary<string, Tensor> actual, string fixtureFile, string component)
    {
        var expected = SafetensorsReader.Load(fixtureFile);
        try
        {
            actual.Keys.Should().BeEquivalentTo(expected.Keys, $"the {component} must have exactly the diffusers names (none missing, none extra)");
            foreach (var (name, e) in expected)
            {
                var a = actual[name];
                a.dtype.Should().Be(e.dtype, name);
                a.shape.Should().Equal(e.shape, name);
                a.contiguous().bytes.ToArray().AsSpan().SequenceEqual(e.bytes).Should().BeTrue($"{component} {name} must be bit-identical");
            }
        }
        finally
        {
            foreach (var t in expected.Values) t.Dispose();
        }
    }

    [Fact]
    [Trait("Category", "Parity")]
    public void The_tiny_single_file_checkpoint_maps_bit_identically_to_the_diffusers_unet_vae_and_clip_fixtures()
    {
        var checkpoint = SafetensorsReader.Load(Fixtures.PathOf("single_file", "tiny-sd15.safetensors"));
        try
        {
            using var converted = LdmCheckpointConverter.Convert(checkpoint);
            converted.Map.Unmapped.Should().BeEmpty();
            converted.Map.Ignored.Should().BeEmpty();
            AssertIdentical(converted.Unet, Fixtures.PathOf("unet2d", "diffusion_pytorch_model.safetensors"), "U-Net");
            AssertIdentical(converted.Vae, Fixtures.PathOf("vae", "diffusion_pytorch_model.safetensors"), "VAE");
            AssertIdentical(converted.TextEncoder, Fixtures.PathOf("clip_text", "model.safetensors"), "CLIP");
        }
        finally
        {
            foreach (var t in checkpoint.Values) t.Dispose();
        }
    }

    [Fact]
    public void The_layout_is_read_from_the_keys_of_the_tiny_checkpoint()
    {
        var (entries, _) = SafetensorsReader.ReadHeader(Fixtures.PathOf("single_file", "tiny-sd15.safetensors"));
        var map = LdmKeyMapper.Map(entries.ToDictionary(e => e.Name, e => e.Shape));
        map.Unet!.BlockOutChannels.Should().Equal(32, 64);
        map.Unet.LayersPerBlock.Should().Be(2);
        map.Unet.DownHasAttention.Should().Equal(true, false);
        map.Unet.UpHasAttention.Should().Equal(false, true);
        map.Unet.CrossAttentionDim.Should().Be(32);
        map.Unet.UseLinearProjection.Should().BeFalse();
        map.Vae!.BlockOutChannels.Should().Equal(32, 64);
        map.Vae.LayersPerBlock.Should().Be(2);
        map.Vae.LatentChannels.Should().Be(4);
    }

    [Theory]
    [InlineData("input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight", "down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight")]
    [InlineData("input_blocks.9.0.op.weight", "down_blocks.2.downsamplers.0.conv.weight")]
    [InlineData("input_blocks.10.0.in_layers.2.weight", "down_blocks.3.resnets.0.conv1.weight")]
    [InlineData("input_blocks.11.0.emb_layers.1.weight", "down_blocks.3.resnets.1.time_emb_proj.weight")]
    [InlineData("middle_block.1.proj_out.bias", "mid_block.attentions.0.proj_out.bias")]
    [InlineData("middle_block.2.out_layers.3.weight", "mid_block.resnets.1.conv2.weight")]
    [InlineData("output_blocks.2.1.conv.weight", "up_blocks.0.upsamplers.0.conv.weight")]
    [InlineData("output_blocks.5.2.conv.bias", "up_blocks.1.upsamplers.0.conv.bias")]
    [InlineData("output_blocks.11.1.norm.weight", "up_blocks.3.attentions.2.norm.weight")]
    [InlineData("output_blocks.3.0.skip_connection.weight", "up_blocks.1.resnets.0.conv_shortcut.weight")]
    [InlineData("out.2.weight", "conv_out.weight")]
    [InlineData("time_embed.2.bias", "time_embedding.linear_2.bias")]
    public void SD15_unet_names_follow_the_diffusers_table(string ldm, string diffusers) =>
        LdmKeyMapper.MapUnet(ldm, 2).Should().Be(diffusers);

    [Theory]
    [InlineData("decoder.up.3.block.2.conv1.weight", "decoder.up_blocks.0.resnets.2.conv1.weight")]
    [InlineData("decoder.up.0.block.0.nin_shortcut.bias", "decoder.up_blocks.3.resnets.0.conv_shortcut.bias")]
    [InlineData("decoder.up.1.upsample.conv.weight", "decoder.up_blocks.2.upsamplers.0.conv.weight")]
    [InlineData("encoder.down.2.downsample.conv.bias", "encoder.down_blocks.2.downsamplers.0.conv.bias")]
    [InlineData("encoder.mid.attn_1.proj_out.weight", "encoder.mid_block.attentions.0.to_out.0.weight")]
    [InlineData("decoder.mid.attn_1.norm.bias", "decoder.mid_block.attentions.0.group_norm.bias")]
    [InlineData("decoder.norm_out.weight", "decoder.conv_norm_out.weight")]
    public void SD15_vae_names_follow_the_diffusers_table_with_the_decoder_order_reversed(string ldm, string diffusers) =>
        LdmKeyMapper.MapVae(ldm, 4)!.Value.Name.Should().Be(diffusers);

    [Fact]
    public void Training_buffers_and_unknown_keys_are_separated_from_weights()
    {
        var (entries, _) = SafetensorsReader.ReadHeader(Fixtures.PathOf("single_file", "tiny-sd15.safetensors"));
        var shapes = entries.ToDictionary(e => e.Name, e => e.Shape);
        shapes["alphas_cumprod"] = new long[] { 1000 };
        shapes["model_ema.decay"] = Array.Empty<long>();
        shapes["model.diffusion_model.label_emb.0.0.weight"] = new long[] { 4, 4 };
        shapes["control_model.zero_convs.0.0.weight"] = new long[] { 4, 4 };
        var map = LdmKeyMapper.Map(shapes);
        map.Ignored.Should().BeEquivalentTo("alphas_cumprod", "model_ema.decay");
        map.Unmapped.Should().BeEquivalentTo("model.diffusion_model.label_emb.0.0.weight", "control_model.zero_convs.0.0.weight");
    }

    [Fact]
    public void The_EMA_copy_is_used_only_when_asked_and_otherwise_ignored()
    {
        var (entries, _) = SafetensorsReader.ReadHeader(Fixtures.PathOf("single_file", "tiny-sd15.safetensors"));
        var shapes = entries.ToDictionary(e => e.Name, e => e.Shape);
        foreach (var e in entries.Where(e => e.Name.StartsWith(LdmKeyMapper.UnetPrefix, StringComparison.Ordinal)))
            shapes["model_ema." + string.Concat(e.Name.Split('.').Skip(1))] = e.Shape; // LDM's flattened EMA names
        int ema = shapes.Keys.Count(k => k.StartsWith("model_ema.", StringComparison.Ordinal));

        var plain = LdmKeyMapper.Map(shapes);
        plain.Of(LdmComponent.Unet).Should().OnlyContain(m => m.Source.StartsWith("model.diffusion_model.", StringComparison.Ordinal));
        plain.Ignored.Should().HaveCount(ema);

        var withEma = LdmKeyMapper.Map(shapes, new LdmConversionOptions { UseEma = true });
        withEma.Of(LdmComponent.Unet).Should().OnlyContain(m => m.Source.StartsWith("model_ema.diffusion_model", StringComparison.Ordinal));
        withEma.Of(LdmComponent.Unet).Select(m => m.Target).Should().BeEquivalentTo(plain.Of(LdmComponent.Unet).Select(m => m.Target));
        withEma.Ignored.Should().HaveCount(304).And.OnlyContain(k => k.StartsWith("model.diffusion_model.", StringComparison.Ordinal));
        withEma.Unmapped.Should().BeEmpty();
    }
}
