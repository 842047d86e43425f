using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Diffusion.Modules.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Loading;

/// <summary>
/// The LDM → diffusers mapping at real SD1.5 scale (4 levels, attention on the first three). The test turns the keys
/// of our SD1.5-sized modules into LDM names with its own copy of the tables of diffusers' reverse script
/// (scripts/convert_diffusers_to_original_stable_diffusion.py, v0.25.1, written for exactly this 4-level layout), then
/// checks that the mapper sends every LDM key back to its diffusers key and reads the SD1.5 structure off the shapes.
/// </summary>
public class Sd15KeyMappingTests
{
    public Sd15KeyMappingTests() => TorchRuntime.EnsureLoaded();

    private static Dictionary<string, long[]> Shapes(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

    private static string UnetToLdm(string hf)
    {
        var top = new Dictionary<string, string>
        {
            ["time_embedding.linear_1."] = "time_embed.0.", ["time_embedding.linear_2."] = "time_embed.2.",
            ["conv_in."] = "input_blocks.0.0.", ["conv_norm_out."] = "out.0.", ["conv_out."] = "out.2.",
        };
        foreach (var (h, s) in top) if (hf.StartsWith(h, StringComparison.Ordinal)) return s + hf[h.Length..];
        var layer = new List<(string Sd, string Hf)>();
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                layer.Add(($"input_blocks.{3 * i + j + 1}.0.", $"down_blocks.{i}.resnets.{j}."));
                if (i < 3) layer.Add(($"input_blocks.{3 * i + j + 1}.1.", $"down_blocks.{i}.attentions.{j}."));
            }
            for (int j = 0; j < 3; j++)
            {
                layer.Add(($"output_blocks.{3 * i + j}.0.", $"up_blocks.{i}.resnets.{j}."));
                if (i > 0) layer.Add(($"output_blocks.{3 * i + j}.1.", $"up_blocks.{i}.attentions.{j}."));
            }
            if (i < 3)
            {
                layer.Add(($"input_blocks.{3 * (i + 1)}.0.op.", $"down_blocks.{i}.downsamplers.0.conv."));
                layer.Add(($"output_blocks.{3 * i + 2}.{(i == 0 ? 1 : 2)}.", $"up_blocks.{i}.upsamplers.0."));
            }
        }
        layer.Add(("middle_block.1.", "mid_block.attentions.0."));
        for (int j = 0; j < 2; j++) layer.Add(($"middle_block.{2 * j}.", $"mid_block.resnets.{j}."));
        string k = hf;
        if (k.Contains("resnets", StringComparison.Ordinal))
            foreach (var (s, h) in new[] { ("in_layers.0", "norm1"), ("in_layers.2", "conv1"), ("out_layers.0", "norm2"), ("out_layers.3", "conv2"), ("emb_layers.1", "time_emb_proj"), ("skip_connection", "conv_shortcut") })
                k = k.Replace(h, s, StringComparison.Ordinal);
        foreach (var (s, h) in layer) k = k.Replace(h, s, StringComparison.Ordinal);
        return k;
    }

    private static string VaeToLdm(string hf)
    {
        var map = new List<(string Sd, string Hf)> { ("nin_shortcut", "conv_shortcut"), ("norm_out", "conv_norm_out"), ("mid.attn_1.", "mid_block.attentions.0.") };
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 2; j++) map.Add(($"encoder.down.{i}.block.{j}.", $"encoder.down_blocks.{i}.resnets.{j}."));
            if (i < 3)
            {
                map.Add(($"down.{i}.downsample.", $"down_blocks.{i}.downsamplers.0."));
                map.Add(($"up.{3 - i}.upsample.", $"up_blocks.{i}.upsamplers.0."));
            }
            for (int j = 0; j < 3; j++) map.Add(($"decoder.up.{3 - i}.block.{j}.", $"decoder.up_blocks.{i}.resnets.{j}."));
        }
        for (int i = 0; i < 2; i++) map.Add(($"mid.block_{i + 1}.", $"mid_block.resnets.{i}."));
        string k = hf;
        foreach (var (s, h) in map) k = k.Replace(h, s, StringComparison.Ordinal);
        if (k.Contains("attentions", StringComparison.Ordinal) || k.Contains("attn_1", StringComparison.Ordinal))
            foreach (var (s, h) in new[] { ("norm.", "group_norm."), ("q.", "to_q."), ("k.", "to_k."), ("v.", "to_v."), ("proj_out.", "to_out.0.") })
                k = k.Replace(h, s, StringComparison.Ordinal);
        return k;
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Every_SD15_unet_and_vae_key_round_trips_through_the_LDM_names_and_the_structure_is_read_from_the_shapes()
    {
        Dictionary<string, long[]> unet, vae;
        using (var u = new UNet2DConditionModel(UNet2DConditionConfig.StableDiffusion15)) unet = Shapes(u);
        using (var v = new AutoencoderKL(AutoencoderKLConfig.StableDiffusion15)) vae = Shapes(v);

        var ldm = new Dictionary<string, long[]>();
        foreach (var (k, s) in unet) ldm.Add(LdmKeyMapper.UnetPrefix + UnetToLdm(k), s);
        foreach (var (k, s) in vae)
        {
            bool attnWeight = k.Contains("mid_block.attentions.0.to_", StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal);
            ldm.Add(LdmKeyMapper.VaePrefix + VaeToLdm(k), attnWeight ? new[] { s[0], s[1], 1L, 1L } : s);
        }
        ldm.Should().ContainKey("model.diffusion_model.output_blocks.2.1.conv.weight").And.ContainKey("model.diffusion_model.output_blocks.5.2.conv.weight")
            .And.ContainKey("first_stage_model.decoder.up.3.upsample.conv.weight").And.ContainKey("first_stage_model.encoder.mid.attn_1.q.weight");

        var map = LdmKeyMapper.Map(ldm);
        map.Unmapped.Should().BeEmpty();
        map.Of(LdmComponent.Unet).Select(m => m.Target).Should().BeEquivalentTo(unet.Keys);
        map.Of(LdmComponent.Vae).Select(m => m.Target).Should().BeEquivalentTo(vae.Keys);
        map.Of(LdmComponent.Vae).Count(m => m.ConvToLinear).Should().Be(8);

        var config = UnetBuilder.ConfigFromLayout(map.Unet!, null, new ModelLoadOptions());
        var sd15 = UNet2DConditionConfig.StableDiffusion15;
        config.BlockOutChannels.Should().Equal(sd15.BlockOutChannels);
        config.DownBlockTypes.Should().Equal(sd15.DownBlockTypes);
        config.UpBlockTypes.Should().Equal(sd15.UpBlockTypes);
        config.LayersPerBlock.Should().Equal(sd15.LayersPerBlock);
        config.CrossAttentionDim.Should().Equal(sd15.CrossAttentionDim);
        config.HeadsPerBlock.Should().Equal(sd15.HeadsPerBlock);
        config.NormNumGroups.Should().Be(32);
        var vaeConfig = StableDiffusionLoader.VaeConfigFromLayout(map.Vae!, null, new ModelLoadOptions());
        vaeConfig.BlockOutChannels.Should().Equal(AutoencoderKLConfig.StableDiffusion15.BlockOutChannels);
        vaeConfig.LayersPerBlock.Should().Be(2);
    }
}
