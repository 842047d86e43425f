using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Lora;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Lora;

public class LoraNetworkTests
{
    private static void Randomise(LoraNetwork network, long seed)
    {
        using var g = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var layer in network.Layers.Values)
            foreach (var p in layer.Projections.Values)
            {
                using var r = randn(p.Up.shape, generator: g).mul(0.2f);
                p.Up.copy_(r);
            }
    }

    private static Tensor Predict(UNetMotionModelHandle h)
    {
        using var noGrad = no_grad();
        using var t = tensor(new[] { 501L });
        return h.Model.PredictNoise(h.Latent, t, h.Text);
    }

    private sealed record UNetMotionModelHandle(UNetMotionModel Model, Tensor Latent, Tensor Text) : IDisposable
    {
        public void Dispose()
        {
            Text.Dispose();
            Latent.Dispose();
            Model.Dispose();
        }
    }

    private static UNetMotionModelHandle Setup() =>
        new(TinyDiffusion.Load(), TinyDiffusion.MovingBlobLatent(4), TinyDiffusion.TextEmbedding());

    [Fact]
    public void Adapters_cover_q_k_v_out_of_self_cross_and_temporal_layers_with_peft_names()
    {
        using var h = Setup();
        using var network = LoraNetwork.Create(h.Model, new LoraConfig { Rank = 4 });
        network.Layers.Count.Should().Be(h.Model.AttentionLayers.Count);
        network.Layers.Values.Select(l => l.Layer.Kind).Distinct().Should()
            .BeEquivalentTo(new[] { AttentionKind.SpatialSelf, AttentionKind.SpatialCross, AttentionKind.Temporal });
        var keys = network.StateDict();
        keys.Should().HaveCount(network.Layers.Count * 4 * 2);
        keys.Should().ContainKey("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight");
        keys.Should().ContainKey("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_out.0.lora_B.weight");
        keys.Should().ContainKey("unet.down_blocks.0.motion_modules.0.transformer_blocks.0.attn1.to_v.lora_A.weight");
        keys["unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight"].shape.Should().Equal(4, 32);
        foreach (var t in keys.Values) t.Dispose();

        using var selfOnly = LoraNetwork.Create(h.Model, new LoraConfig { Rank = 2, Kinds = new[] { AttentionKind.SpatialSelf }, PathPattern = "^up_blocks" });
        selfOnly.Layers.Values.Should().OnlyContain(l => l.Layer.Kind == AttentionKind.SpatialSelf && l.Layer.Path.StartsWith("up_blocks"));
        selfOnly.Layers.Should().NotBeEmpty();
    }

    [Fact]
    public void Fresh_adapters_and_zero_scale_leave_outputs_bit_identical_while_scale_one_changes_them()
    {
        using var h = Setup();
        using var baseline = Predict(h);
        using var network = LoraNetwork.Create(h.Model, new LoraConfig { Rank = 4 });
        network.Attach();
        using (var fresh = Predict(h)) TensorAssert.MaxAbsDiff(fresh, baseline).Should().Be(0, "B starts at zero");
        Randomise(network, 3);
        network.Scale = 0;
        using (var zero = Predict(h)) TensorAssert.MaxAbsDiff(zero, baseline).Should().Be(0);
        network.Scale = 1;
        using (var active = Predict(h)) TensorAssert.MaxAbsDiff(active, baseline).Should().BeGreaterThan(1e-3);
        network.Detach();
        using (var detached = Predict(h)) TensorAssert.MaxAbsDiff(detached, baseline).Should().Be(0);
    }

    [Fact]
    public void Save_then_load_reproduces_the_outputs_exactly()
    {
        using var h = Setup();
        var path = Path.Combine(Path.GetTempPath(), $"lora-{Guid.NewGuid():N}.safetensors");
        try
        {
            Tensor trainedOutput;
            using (var network = LoraNetwork.Create(h.Model, new LoraConfig { Rank = 4, Alpha = 8 }))
            {
                Randomise(network, 11);
                network.Attach();
                trainedOutput = Predict(h);
                LoraFile.Save(network, path);
            }
            using (trainedOutput)
            using (var loaded = LoraFile.Load(h.Model, path))
            {
                loaded.Rank.Should().Be(4);
                loaded.Alpha.Should().Be(8);
                loaded.Attach();
                using var again = Predict(h);
                TensorAssert.MaxAbsDiff(again, trainedOutput).Should().Be(0);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Loading_is_strict_about_missing_and_mis_shaped_weights()
    {
        using var h = Setup();
        using var network = LoraNetwork.Create(h.Model, new LoraConfig { Rank = 4 });
        var sd = network.StateDict();
        var first = sd.Keys.First();
        sd[first].Dispose();
        sd.Remove(first);
        var act = () => network.LoadStateDict(sd);
        act.Should().Throw<ModelLoadException>().Which.MissingKeys.Should().ContainSingle().Which.Should().Be(first);
        var bad = sd.Keys.First();
        sd[bad] = zeros(3, 3);
        sd[first] = zeros(4, 32);
        var ex = act.Should().Throw<ModelLoadException>().Which;
        ex.MismatchedKeys.Should().ContainSingle().Which.Should().StartWith(bad);
        sd["unet.not_a_layer.to_q.lora_A.weight"] = zeros(4, 32);
        act.Should().Throw<ModelLoadException>().Which.UnexpectedKeys.Should().Contain("unet.not_a_layer.to_q.lora_A.weight");
        foreach (var t in sd.Values) t.Dispose();
    }

    [Fact]
    public void Legacy_diffusers_processor_names_parse_to_the_same_adapters()
    {
        LoraKeyNames.TryParse("down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora.up.weight", out var legacy).Should().BeTrue();
        legacy.Should().Be(new LoraKeyNames.ParsedKey("down_blocks.0.attentions.0.transformer_blocks.0.attn1", LoraProjection.Output, false));
        LoraKeyNames.TryParse("base_model.model.up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight", out var peft).Should().BeTrue();
        peft.Should().Be(new LoraKeyNames.ParsedKey("up_blocks.1.attentions.0.transformer_blocks.0.attn2", LoraProjection.Key, true));
        LoraKeyNames.TryParse("up_blocks.1.resnets.0.conv1.weight", out _).Should().BeFalse();
    }

    [Theory]
    [InlineData(LoraProjection.Query, "to_q")]
    [InlineData(LoraProjection.Key, "to_k")]
    [InlineData(LoraProjection.Value, "to_v")]
    [InlineData(LoraProjection.Output, "to_out.0")]
    public void Each_projection_is_saved_under_its_diffusers_module_name_and_loads_back_as_the_same_projection(LoraProjection projection, string diffusersName)
    {
        using var h = Setup();
        using var tmp = new TempFolder("dv-lora-names-");
        var path = Path.Combine(tmp.Path, "adapters.safetensors");
        using (var network = LoraNetwork.Create(h.Model, new LoraConfig { Rank = 2, Projections = new[] { projection } }))
        {
            network.Layers.Values.Should().OnlyContain(l => l.Projections.Keys.SequenceEqual(new[] { projection }));
            LoraFile.Save(network, path);
        }
        var names = SafetensorsReader.ReadHeader(path).Entries.Select(e => e.Name).ToList();
        names.Should().HaveCount(h.Model.AttentionLayers.Count * 2);
        names.Should().OnlyContain(n => n.StartsWith("unet.", StringComparison.Ordinal)
            && (n.EndsWith($".{diffusersName}.lora_A.weight", StringComparison.Ordinal) || n.EndsWith($".{diffusersName}.lora_B.weight", StringComparison.Ordinal)));
        foreach (var layer in h.Model.AttentionLayers)
            names.Should().Contain($"unet.{layer.Path}.{diffusersName}.lora_A.weight").And.Contain($"unet.{layer.Path}.{diffusersName}.lora_B.weight");
        using var loaded = LoraFile.Load(h.Model, path);
        loaded.Layers.Values.Should().OnlyContain(l => l.Projections.Keys.SequenceEqual(new[] { projection }));
    }

    [Fact]
    public void Config_refuses_an_undefined_an_empty_or_a_repeated_projection_naming_Projections()
    {
        var undefined = () => new LoraConfig { Projections = new[] { LoraProjection.Query, (LoraProjection)7 } }.Validate();
        undefined.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Projections").WithMessage("*Query, Key, Value, Output*");
        var empty = () => new LoraConfig { Projections = Array.Empty<LoraProjection>() }.Validate();
        empty.Should().Throw<ArgumentException>().WithParameterName("Projections");
        var repeated = () => new LoraConfig { Projections = new[] { LoraProjection.Value, LoraProjection.Value } }.Validate();
        repeated.Should().Throw<ArgumentException>().WithParameterName("Projections");
        new LoraConfig().Projections.Should().Equal(LoraProjection.Query, LoraProjection.Key, LoraProjection.Value, LoraProjection.Output);
    }
}
