using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Testing;

namespace DragVideo.Diffusion.Tests.Unet;

public class UNet2DConditionConfigTests
{
    [Fact]
    public void Fixture_config_is_read_with_attention_head_dim_meaning_heads()
    {
        var c = UNet2DConditionConfig.FromJsonFile(Fixtures.PathOf("unet2d", "config.json"));
        c.BlockOutChannels.Should().Equal(32, 64);
        c.DownBlockTypes.Should().Equal("CrossAttnDownBlock2D", "DownBlock2D");
        c.UpBlockTypes.Should().Equal("UpBlock2D", "CrossAttnUpBlock2D");
        c.NumAttentionHeads.Should().BeNull();
        c.HeadsPerBlock.Should().Equal(4, 4);
        c.CrossAttentionDim.Should().Equal(32, 32);
        c.LayersPerBlock.Should().Equal(2, 2);
        c.NormNumGroups.Should().Be(8);
        c.NormEps.Should().Be(1e-5);
        c.FlipSinToCos.Should().BeTrue();
        c.FreqShift.Should().Be(0);
        c.UseLinearProjection.Should().BeFalse();
        c.TimeEmbedDim.Should().Be(128);
    }

    [Fact]
    public void Motion_unet_config_uses_num_attention_heads_and_maps_motion_block_names()
    {
        var c = UNet2DConditionConfig.FromJsonFile(Fixtures.PathOf("motion", "unet_motion", "config.json"));
        c.NumAttentionHeads.Should().Equal(4, 4);
        c.DownBlockTypes.Should().Equal("CrossAttnDownBlockMotion", "DownBlockMotion");
        var a = MotionAdapterConfig.FromJsonFile(Fixtures.PathOf("motion", "motion_adapter", "config.json"));
        a.MotionNumAttentionHeads.Should().Be(2);
        a.MotionMaxSeqLength.Should().Be(32);
        a.UseMotionMidBlock.Should().BeTrue();
        a.BlockOutChannels.Should().Equal(32, 64);
    }

    [Fact]
    public void Sd15_preset_matches_the_runwayml_unet_config()
    {
        var c = UNet2DConditionConfig.StableDiffusion15;
        c.BlockOutChannels.Should().Equal(320, 640, 1280, 1280);
        c.HeadsPerBlock.Should().Equal(8, 8, 8, 8);
        c.CrossAttentionDim.Should().Equal(768, 768, 768, 768);
        c.NormNumGroups.Should().Be(32);
        c.SampleSize.Should().Be(64);
        var a = MotionAdapterConfig.AnimateDiffSd15;
        a.BlockOutChannels.Should().Equal(320, 640, 1280, 1280);
        a.MotionNumAttentionHeads.Should().Be(8);
    }

    [Fact]
    public void Scalar_per_block_values_expand_and_lists_are_kept()
    {
        var c = UNet2DConditionConfig.FromJson("""
            {"block_out_channels": [32, 64], "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
             "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"], "attention_head_dim": [2, 4], "cross_attention_dim": 16,
             "norm_num_groups": 8, "layers_per_block": 1, "use_linear_projection": true, "only_cross_attention": false}
            """);
        c.HeadsPerBlock.Should().Equal(2, 4);
        c.CrossAttentionDim.Should().Equal(16, 16);
        c.LayersPerBlock.Should().Equal(1, 1);
        c.OnlyCrossAttention.Should().Equal(false, false);
        c.UseLinearProjection.Should().BeTrue();
    }

    [Theory]
    [InlineData("""{"class_embed_type": "timestep"}""", "class_embed_type")]
    [InlineData("""{"addition_embed_type": "text_time"}""", "addition_embed_type")]
    [InlineData("""{"time_embedding_type": "fourier"}""", "time_embedding_type")]
    [InlineData("""{"dual_cross_attention": true}""", "dual_cross_attention")]
    [InlineData("""{"down_block_types": ["SimpleCrossAttnDownBlock2D", "DownBlock2D", "DownBlock2D", "DownBlock2D"]}""", "SimpleCrossAttnDownBlock2D")]
    [InlineData("""{"block_out_channels": [320, 640]}""", "down_block_types")]
    [InlineData("""{"attention_head_dim": "eight"}""", "attention_head_dim")]
    [InlineData("""{"norm_num_groups": 7}""", "norm_num_groups")]
    [InlineData("""[1, 2]""", "object")]
    [InlineData("""{"block_out_channels": [32, 64""", "")]
    public void Unsupported_or_invalid_configs_throw_ModelLoadException_naming_the_problem(string json, string mentioned)
    {
        var act = () => UNet2DConditionConfig.FromJson(json, "test-config.json");
        act.Should().Throw<ModelLoadException>().Where(e => e.Message.Contains(mentioned) && e.Message.Contains("test-config.json"));
    }

    [Fact]
    public void Adapter_that_does_not_fit_the_unet_is_rejected_when_building()
    {
        var unet = UNet2DConditionConfig.FromJsonFile(Fixtures.PathOf("unet2d", "config.json"));
        var adapter = MotionAdapterConfig.AnimateDiffSd15;
        var act = () => new UNetMotionModel(unet, adapter);
        act.Should().Throw<ArgumentException>().WithMessage("*block_out_channels*");
    }
}

public class FreshlyBuiltUnetTests
{
    [Fact]
    public void A_freshly_built_video_unet_has_unit_norm_weights_and_predicts_finite_noise()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var noGrad = TorchSharp.torch.no_grad();
        var config = UNet2DConditionConfig.FromJsonFile(Fixtures.PathOf("unet2d", "config.json"));
        using var model = new UNetMotionModel(config, new MotionAdapterConfig { BlockOutChannels = new[] { 32, 64 }, MotionNumAttentionHeads = 2 });
        foreach (var (name, p) in model.named_parameters().Where(kv => kv.name.Contains("norm") && kv.name.EndsWith(".weight", StringComparison.Ordinal)))
            p.eq(1).all().item<bool>().Should().BeTrue($"{name} must start at 1 as in PyTorch");

        var noise = model.PredictNoise(TorchSharp.torch.randn(new long[] { 1, 4, 2, 8, 8 }), TorchSharp.torch.tensor(10L), TorchSharp.torch.randn(new long[] { 1, 7, 32 }));
        noise.isfinite().all().item<bool>().Should().BeTrue();
    }
}
