using DragVideo.Diffusion.Schedulers;
using DragVideo.Testing;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Ddim;

[Trait("Category", "Parity")]
public sealed class DdimSchedulerTests
{
    private const double Tight = 1e-6;

    private static DdimScheduler Sd15()
    {
        var s = DdimScheduler.FromPretrained(Fixtures.PathOf("ddim", "scheduler_config.json"));
        s.SetTimesteps(50);
        return s;
    }

    [Fact]
    public void Config_file_is_read_into_the_sd15_settings()
    {
        var c = DdimSchedulerConfig.FromJsonFile(Fixtures.PathOf("ddim", "scheduler_config.json"));
        c.Should().BeEquivalentTo(DdimSchedulerConfig.StableDiffusion15);
    }

    [Fact]
    public void Leading_timesteps_with_offset_equal_reference()
    {
        var s = Sd15();
        s.Timesteps.Should().Equal(DdimFixture.Get("timesteps").data<long>().ToArray());
        s.Timesteps[0].Should().Be(981);
        s.Timesteps[^1].Should().Be(1);
    }

    [Fact]
    public void Betas_and_alphas_cumprod_equal_the_float32_reference_tables()
    {
        var s = Sd15();
        using var betas = tensor(s.Betas.ToArray());
        using var ac = tensor(s.AlphasCumprod.ToArray());
        TensorAssert.MaxAbsDiff(betas, DdimFixture.Get("betas")).Should().Be(0, "betas are bit-identical");
        TensorAssert.MaxAbsDiff(ac, DdimFixture.Get("alphas_cumprod")).Should().Be(0, "alphas_cumprod is bit-identical");
        s.FinalAlphaCumprod.Should().Be(DdimFixture.Get("final_alpha_cumprod")[0].item<float>());
        s.FinalAlphaCumprod.Should().Be(s.AlphasCumprod[0], "set_alpha_to_one is false");
    }

    [Theory]
    [InlineData(981)]
    [InlineData(501)]
    [InlineData(21)]
    [InlineData(1)]
    public void Step_with_eta_0_equals_reference(long t)
    {
        var s = Sd15();
        var o = s.Step(DdimFixture.Get("model_output"), t, DdimFixture.Get("sample"));
        TensorAssert.Close(o.PrevSample, DdimFixture.Get($"step.eta0.t{t}.prev_sample"), Tight, Tight, "prev_sample");
        TensorAssert.Close(o.PredOriginalSample, DdimFixture.Get($"step.eta0.t{t}.pred_original_sample"), Tight, Tight, "pred_original_sample");
        o.PrevSample.Dispose();
        o.PredOriginalSample.Dispose();
    }

    [Theory]
    [InlineData(981)]
    [InlineData(501)]
    [InlineData(21)]
    [InlineData(1)]
    public void Step_with_eta_1_and_given_variance_noise_equals_reference(long t)
    {
        var s = Sd15();
        var o = s.Step(DdimFixture.Get("model_output"), t, DdimFixture.Get("sample"), eta: 1.0, varianceNoise: DdimFixture.Get("variance_noise"));
        TensorAssert.Close(o.PrevSample, DdimFixture.Get($"step.eta1.t{t}.prev_sample"), Tight, Tight, "prev_sample");
        TensorAssert.Close(o.PredOriginalSample, DdimFixture.Get($"step.eta1.t{t}.pred_original_sample"), Tight, Tight, "pred_original_sample");
    }

    [Fact]
    public void Step_with_eta_1_draws_reproducible_noise_from_a_seeded_generator()
    {
        var s = Sd15();
        using var g1 = new Generator(7);
        using var g2 = new Generator(7);
        var a = s.Step(DdimFixture.Get("model_output"), 501, DdimFixture.Get("sample"), eta: 1.0, generator: g1);
        var b = s.Step(DdimFixture.Get("model_output"), 501, DdimFixture.Get("sample"), eta: 1.0, generator: g2);
        var det = s.Step(DdimFixture.Get("model_output"), 501, DdimFixture.Get("sample"));
        TensorAssert.MaxAbsDiff(a.PrevSample, b.PrevSample).Should().Be(0);
        TensorAssert.MaxAbsDiff(a.PrevSample, det.PrevSample).Should().BeGreaterThan(1e-3);
    }

    [Theory]
    [InlineData(981)]
    [InlineData(741)]
    [InlineData(501)]
    [InlineData(1)]
    public void AddNoise_equals_reference(long t)
    {
        var s = Sd15();
        using var ts = tensor(new[] { t });
        using var noisy = s.AddNoise(DdimFixture.Get("add_noise.original"), DdimFixture.Get("add_noise.noise"), ts);
        TensorAssert.Close(noisy, DdimFixture.Get($"add_noise.t{t}"), Tight, Tight);
    }

    [Fact]
    public void AddNoise_uses_one_timestep_per_batch_item()
    {
        var s = Sd15();
        using var x = cat(new[] { DdimFixture.Get("add_noise.original"), DdimFixture.Get("add_noise.original") });
        using var n = cat(new[] { DdimFixture.Get("add_noise.noise"), DdimFixture.Get("add_noise.noise") });
        using var ts = tensor(new long[] { 981, 1 });
        using var noisy = s.AddNoise(x, n, ts);
        TensorAssert.Close(noisy[0].unsqueeze(0), DdimFixture.Get("add_noise.t981"), Tight, Tight);
        TensorAssert.Close(noisy[1].unsqueeze(0), DdimFixture.Get("add_noise.t1"), Tight, Tight);
    }

    [Fact]
    public void Trailing_and_linspace_spacings_follow_numpy_rounding()
    {
        var trailing = new DdimScheduler(DdimSchedulerConfig.StableDiffusion15 with { TimestepSpacing = TimestepSpacing.Trailing, StepsOffset = 0 });
        trailing.SetTimesteps(50);
        trailing.Timesteps[0].Should().Be(999);
        trailing.Timesteps[^1].Should().Be(19);
        trailing.SetTimesteps(7);
        trailing.Timesteps.Should().Equal(999, 856, 713, 570, 428, 285, 142);
        var linspace = new DdimScheduler(DdimSchedulerConfig.StableDiffusion15 with { TimestepSpacing = TimestepSpacing.Linspace, StepsOffset = 0 });
        linspace.SetTimesteps(7);
        linspace.Timesteps.Should().Equal(999, 832, 666, 500, 333, 166, 0);
    }

    [Fact]
    public void Set_alpha_to_one_makes_the_final_alpha_1()
    {
        var s = new DdimScheduler(DdimSchedulerConfig.StableDiffusion15 with { SetAlphaToOne = true });
        s.FinalAlphaCumprod.Should().Be(1f);
    }

    [Fact]
    public void Step_before_SetTimesteps_and_bad_arguments_throw_typed_errors()
    {
        var s = DdimScheduler.StableDiffusion15();
        var act = () => s.Step(DdimFixture.Get("model_output"), 981, DdimFixture.Get("sample"));
        act.Should().Throw<InvalidOperationException>();
        var tooMany = () => s.SetTimesteps(1001);
        tooMany.Should().Throw<ArgumentOutOfRangeException>();
        s.SetTimesteps(50);
        using var wrong = zeros(1, 4, 4, 4);
        var mismatch = () => s.Step(wrong, 981, DdimFixture.Get("sample"));
        mismatch.Should().Throw<ArgumentException>();
        var bad = () => DdimSchedulerConfig.FromJson("{\"beta_schedule\": \"cosine-ish\"}");
        bad.Should().Throw<ModelLoadException>().WithMessage("*beta_schedule*");
    }
}
