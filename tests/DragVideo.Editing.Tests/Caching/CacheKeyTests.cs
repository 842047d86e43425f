using DragVideo.Diffusion.Lora;
using DragVideo.Diffusion.Modules.Vae;
using DragVideo.Editing.Caching;
using DragVideo.Diffusion.Pipeline;
using DragVideo.Diffusion.Schedulers;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Caching;

public class CacheKeyTests
{
    public CacheKeyTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Every_option_of_a_record_changes_the_key_including_nested_records_and_lists()
    {
        var baseline = CacheKey.OfOptions(new LoraTrainingOptions());
        CacheKey.OfOptions(new LoraTrainingOptions()).Should().Be(baseline, "the serialisation is canonical");
        var variants = new[]
        {
            new LoraTrainingOptions { Steps = 99 },
            new LoraTrainingOptions { LearningRate = 5.0000001e-4 },
            new LoraTrainingOptions { BatchFrames = 11 },
            new LoraTrainingOptions { Adapters = new LoraConfig { Rank = 8 } },
            new LoraTrainingOptions { Adapters = new LoraConfig { Alpha = 4 } },
            new LoraTrainingOptions { Adapters = new LoraConfig { Kinds = new[] { AttentionKind.SpatialSelf } } },
            new LoraTrainingOptions { Adapters = new LoraConfig { PathPattern = "up_blocks" } },
            new LoraTrainingOptions { Adapters = new LoraConfig { Projections = new[] { LoraProjection.Query, LoraProjection.Value } } },
        };
        var keys = variants.Select(v => CacheKey.OfOptions(v)).ToList();
        keys.Should().OnlyHaveUniqueItems().And.NotContain(baseline);
        CacheKey.OfOptions(new DdimInversionOptions()).Should().NotBe(CacheKey.OfOptions(new DdimInversionOptions { Strength = 0.5 }));
    }

    [Fact]
    public void LoRA_projections_key_by_value_so_an_equal_list_gives_the_same_key_and_another_order_a_different_one()
    {
        var all = new List<LoraProjection> { LoraProjection.Query, LoraProjection.Key, LoraProjection.Value, LoraProjection.Output };
        CacheKey.OfOptions(new LoraConfig { Projections = all }).Should().Be(CacheKey.OfOptions(new LoraConfig()),
            "the default is all four projections in diffusers' order, whatever list type holds them");
        CacheKey.OfOptions(new LoraConfig { Projections = all.AsEnumerable().Reverse().ToList() }).Should().NotBe(CacheKey.OfOptions(new LoraConfig()),
            "the order decides the order of the random initial adapters");
    }

    [Fact]
    public void Two_vae_codecs_with_different_weights_get_different_identities_and_equal_weights_the_same()
    {
        var config = new AutoencoderKLConfig { BlockOutChannels = new[] { 8 }, DownBlockTypes = new[] { "DownEncoderBlock2D" },
            UpBlockTypes = new[] { "UpDecoderBlock2D" }, LayersPerBlock = 1, NormNumGroups = 4, LatentChannels = 4 };
        using var a = new AutoencoderKL(config);
        using var b = new AutoencoderKL(config);
        using (no_grad())
            foreach (var ((_, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters())) pb.copy_(pa);
        var same = CacheKey.OfComponent(new VaeLatentCodec(b));
        CacheKey.OfComponent(new VaeLatentCodec(a)).Should().Be(same, "equal weights are the same model");

        using (no_grad()) b.named_parameters().First().parameter.add_(1e-3);
        CacheKey.OfComponent(new VaeLatentCodec(b)).Should().NotBe(same, "a changed weight is another model");
    }

    [Fact]
    public void A_custom_component_without_a_fingerprint_is_identified_per_instance_not_by_its_type()
    {
        var first = new PlainCodec();
        CacheKey.OfComponent(first).Should().Be(CacheKey.OfComponent(first));
        CacheKey.OfComponent(new PlainCodec()).Should().NotBe(CacheKey.OfComponent(first));
    }

    private sealed class PlainCodec : ILatentCodec
    {
        public int DownsampleFactor => 8;
        public Tensor Encode(Tensor frames, CancellationToken cancellationToken = default) => frames.clone();
        public Tensor Decode(Tensor latents, CancellationToken cancellationToken = default) => latents.clone();
    }
}
