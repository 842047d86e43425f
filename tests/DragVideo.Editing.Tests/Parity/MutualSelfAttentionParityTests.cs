using System.Text.Json;
using DragVideo.Editing.Sampling;
using DragVideo.Testing;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Parity;

/// <summary>
/// Mutual Self-Attention denoising parity with the released <c>_remove_noise</c> + <c>MutualSelfAttentionControl</c>,
/// against the <c>dragloop</c> golden fixture (README section "C. Mutual self-attention"). The edited input is the stored
/// <c>out.final_latent</c>, so both streams meet the README's <c>1e-4 + 1e-4·|b|</c>.
/// </summary>
[Trait("Category", "Parity")]
public sealed class MutualSelfAttentionParityTests(DragLoopFixture fx, ITestOutputHelper output) : IClassFixture<DragLoopFixture>
{
    private const int StartIndex = 12; // meta.json t_index: timesteps[12:] = 741, 721, 701

    private static JsonElement Meta() =>
        JsonDocument.Parse(File.ReadAllText(Fixtures.PathOf("dragloop", "meta.json"))).RootElement;

    [Fact]
    public void Dragloop_fixture_released_preset_selects_exactly_the_listed_attention_paths()
    {
        var expected = Meta().GetProperty("msa").GetProperty("mutual_attention_modules").EnumerateArray().Select(e => e.GetString()).ToList();
        var sampler = new MutualSelfAttentionSampler(fx.Model, fx.Scheduler, MutualSelfAttentionOptions.ReleasedCode);
        sampler.SelectedLayers.Select(l => l.Path).Should().Equal(expected);
        // The released editor registers only the 32 spatial attention modules (class CrossAttention), in this call order.
        var calls = Meta().GetProperty("msa").GetProperty("call_order").EnumerateArray().Select(e => e[1].GetString()).ToList();
        fx.Model.AttentionLayers.Where(l => l.Kind is AttentionKind.SpatialSelf or AttentionKind.SpatialCross).Select(l => l.Path)
            .Should().Equal(calls);
    }

    [Fact]
    public void Dragloop_fixture_released_preset_with_guidance_7_reproduces_the_MSA_denoising_steps()
    {
        var options = MutualSelfAttentionOptions.ReleasedCode with { GuidanceScale = 7 };
        var source = fx.Io["in.init_code"];
        var edited = fx.Io["out.final_latent"];
        var stored = fx.Io["out.msa.edited_latent_after_step"];
        foreach (int steps in new[] { 1, 3 })
        {
            var scheduler = new FirstTimesteps(fx.Scheduler, StartIndex + steps);
            var sampler = new MutualSelfAttentionSampler(fx.Model, scheduler, options);
            using var result = sampler.Sample(source, edited, StartIndex, fx.Io["in.text_emb"], unconditionalEmbedding: fx.Io["in.uncond_emb"]);
            using var expected = stored[steps - 1];
            output.WriteLine($"out.msa.edited_latent_after_step[{steps - 1}] max |a-b| = {TensorAssert.MaxAbsDiff(result.Edited, expected):E2}");
            TensorAssert.Close(result.Edited, expected, 1e-4, 1e-4, $"out.msa.edited_latent_after_step[{steps - 1}]");
            if (steps == 3)
            {
                output.WriteLine($"out.msa.source_latent_final max |a-b| = {TensorAssert.MaxAbsDiff(result.Original, fx.Io["out.msa.source_latent_final"]):E2}");
                TensorAssert.Close(result.Original, fx.Io["out.msa.source_latent_final"], 1e-4, 1e-4, "out.msa.source_latent_final");
                TensorAssert.MaxAbsDiff(result.Edited, result.Original).Should().BeGreaterThan(0.05, "the README: the streams differ by up to 0.098");
            }
        }
        foreach (var layer in fx.Model.AttentionLayers)
            fx.Model.GetAttentionProcessor(layer.Path).Should().NotBeOfType<MutualSelfAttentionProcessor>("processors are restored");
    }

    [Fact]
    public void Guidance_other_than_1_without_an_unconditional_embedding_is_refused_naming_the_argument()
    {
        var sampler = new MutualSelfAttentionSampler(fx.Model, fx.Scheduler, new MutualSelfAttentionOptions { GuidanceScale = 7 });
        var act = () => sampler.Sample(fx.Io["in.init_code"], fx.Io["in.init_code"], 49, fx.Io["in.text_emb"]);
        act.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("unconditionalEmbedding");
    }

    /// <summary>The first <c>count</c> inference timesteps of a scheduler (so a sampler stops early); steps delegate unchanged.</summary>
    private sealed class FirstTimesteps(INoiseScheduler inner, int count) : INoiseScheduler
    {
        public int TrainTimesteps => inner.TrainTimesteps;
        public IReadOnlyList<long> Timesteps => inner.Timesteps.Take(count).ToList();
        public void SetTimesteps(int inferenceSteps) => throw new NotSupportedException();
        public double AlphaCumprod(long timestep) => inner.AlphaCumprod(timestep);
        public SchedulerStepOutput Step(Tensor modelOutput, long timestep, Tensor sample, double eta = 0, Tensor? varianceNoise = null,
            TorchSharp.torch.Generator? generator = null) => inner.Step(modelOutput, timestep, sample, eta, varianceNoise, generator);
        public Tensor AddNoise(Tensor originalSamples, Tensor noise, Tensor timesteps) => inner.AddNoise(originalSamples, noise, timesteps);
    }
}
