using DragVideo.Diffusion.Schedulers;
using DragVideo.Testing;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Ddim;

[Trait("Category", "Parity")]
public sealed class DdimInversionTests
{
    private static DdimInversion Sd15Inversion(int steps = 50)
    {
        var s = DdimScheduler.FromPretrained(Fixtures.PathOf("ddim", "scheduler_config.json"));
        s.SetTimesteps(steps);
        return new DdimInversion(s);
    }

    [Theory]
    [InlineData(981)]
    [InlineData(501)]
    [InlineData(21)]
    [InlineData(1)]
    public void Inversion_step_equals_reference(long t)
    {
        var inv = Sd15Inversion();
        var (next, x0) = inv.Step(DdimFixture.Get("model_output"), t, DdimFixture.Get("sample"));
        TensorAssert.Close(next, DdimFixture.Get($"inv_step.t{t}.x_next"), 1e-6, 1e-6, "x_next");
        TensorAssert.Close(x0, DdimFixture.Get($"inv_step.t{t}.pred_x0"), 1e-6, 1e-6, "pred_x0");
        next.Dispose();
        x0.Dispose();
    }

    [Fact]
    public void Invert_loop_reproduces_the_reference_chain_of_five_steps()
    {
        var inv = Sd15Inversion();
        var eps = DdimFixture.Get("inv_chain.eps");
        var fake = new FakeBackbone((x, t, call) => eps[call].clone());
        using var latents = DdimFixture.Get("sample").unsqueeze(2); // [1,4,1,8,8]: one frame
        using var result = inv.Invert(fake, latents, zeros(1, 77, 8), new DdimInversionOptions { ActualSteps = 5 });
        fake.Timesteps.Should().Equal(DdimFixture.Get("inv_chain.timesteps").data<long>().ToArray());
        TensorAssert.Close(result.Latents.squeeze(2), DdimFixture.Get("inv_chain.x_final"), 1e-6, 1e-6);
        result.Timestep.Should().Be(81);
    }

    [Fact]
    public void Invert_with_strength_075_runs_38_single_batch_calls_and_lands_on_t741()
    {
        var inv = Sd15Inversion();
        var fake = new FakeBackbone((x, t, call) => x * 0.1 + t.to_type(ScalarType.Float32) / 1000);
        using var latents = randn(new long[] { 1, 4, 3, 8, 8 }, generator: new Generator(3));
        using var text = randn(1, 77, 8);
        var reports = new List<EditProgress>();
        using var result = inv.Invert(fake, latents, text, new DdimInversionOptions(), new ListProgress<EditProgress>(reports));

        fake.Timesteps.Should().HaveCount(38);
        fake.Timesteps[0].Should().Be(1);
        fake.Timesteps[^1].Should().Be(741);
        fake.BatchSizes.Should().OnlyContain(b => b == 1, "guidance scale 1: no doubled CFG batch");
        result.Timestep.Should().Be(741);
        result.StartIndex.Should().Be(12);
        inv.Scheduler.Timesteps[result.StartIndex].Should().Be(741);
        reports.Should().HaveCount(38);
        reports[^1].Stage.Should().Be(EditStage.Inversion);
        reports[^1].Fraction.Should().Be(1);

        // The loop is exactly the chained step.
        var x = latents.clone();
        foreach (long t in fake.Timesteps)
        {
            using var eps = x * 0.1 + (float)t / 1000;
            var (next, x0) = inv.Step(eps, t, x);
            x.Dispose();
            x0.Dispose();
            x = next;
        }
        TensorAssert.MaxAbsDiff(result.Latents, x).Should().Be(0);
        x.Dispose();
    }

    [Fact]
    public void Invert_keeps_intermediates_when_asked_and_never_modifies_its_input()
    {
        var inv = Sd15Inversion(10);
        var fake = new FakeBackbone((x, t, call) => x * 0.05);
        using var latents = randn(new long[] { 1, 4, 2, 4, 4 });
        using var copy = latents.clone();
        using var result = inv.Invert(fake, latents, zeros(1, 77, 8), new DdimInversionOptions { InferenceSteps = 10, Strength = 0.5, KeepIntermediates = true });
        result.ActualSteps.Should().Be(5);
        result.Intermediates.Should().HaveCount(6);
        result.PredictedOriginals.Should().HaveCount(5);
        TensorAssert.MaxAbsDiff(result.Intermediates[0], latents).Should().Be(0);
        TensorAssert.MaxAbsDiff(result.Intermediates[^1], result.Latents).Should().Be(0);
        TensorAssert.MaxAbsDiff(latents, copy).Should().Be(0);
    }

    [Fact]
    public void Invert_to_a_target_timestep_runs_exactly_the_steps_up_to_it()
    {
        var inv = Sd15Inversion();
        var fake = new FakeBackbone((x, t, call) => x * 0.1);
        using var latents = zeros(new long[] { 1, 4, 1, 4, 4 });
        using var result = inv.Invert(fake, latents, zeros(1, 77, 8), new DdimInversionOptions { TargetTimestep = 501 });
        result.Timestep.Should().Be(501);
        result.ActualSteps.Should().Be(26);
        fake.Timesteps.Should().HaveCount(26);
        var bad = () => inv.Invert(fake, latents, zeros(1, 77, 8), new DdimInversionOptions { TargetTimestep = 500 });
        bad.Should().Throw<ArgumentException>().WithMessage("*500*");
    }

    [Fact]
    public void Invert_honours_cancellation_before_the_first_step()
    {
        var inv = Sd15Inversion();
        var fake = new FakeBackbone((x, t, call) => x.clone());
        using var latents = zeros(new long[] { 1, 4, 1, 4, 4 });
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var act = () => inv.Invert(fake, latents, zeros(1, 77, 8), cancellationToken: cts.Token);
        act.Should().Throw<OperationCanceledException>();
        fake.Timesteps.Should().BeEmpty();
    }

    [Fact]
    public void Invert_rejects_4d_latents_with_an_argument_error()
    {
        var inv = Sd15Inversion();
        using var latents = zeros(1, 4, 4, 4);
        var act = () => inv.Invert(new FakeBackbone((x, t, c) => x.clone()), latents, zeros(1, 77, 8));
        act.Should().Throw<ArgumentException>().WithMessage("*[B, C, F, h, w]*");
    }

    [Fact]
    public void Invert_loop_leaves_no_live_tensors_behind()
    {
        var inv = Sd15Inversion(10);
        var fake = new FakeBackbone((x, t, call) => x * 0.1);
        using var latents = randn(new long[] { 1, 4, 2, 4, 4 });
        using var text = zeros(1, 77, 8);
        inv.Invert(fake, latents, text, new DdimInversionOptions { InferenceSteps = 10 }).Dispose();
        long before = LiveTensors.Count;
        for (int i = 0; i < 5; i++) inv.Invert(fake, latents, text, new DdimInversionOptions { InferenceSteps = 10 }).Dispose();
        LiveTensors.Count.Should().Be(before);
    }

    /// <summary>A backbone whose noise prediction is a given function of (latents, timestep, call index).</summary>
    private sealed class FakeBackbone(Func<Tensor, Tensor, int, Tensor> predict) : IVideoDiffusionBackbone
    {
        public List<long> Timesteps { get; } = new();
        public List<long> BatchSizes { get; } = new();
        public int LatentChannels => 4;
        public int UpBlockCount => 2;
        public bool MotionModulesEnabled { get; set; } = true;
        public IReadOnlyList<AttentionLayerInfo> AttentionLayers => Array.Empty<AttentionLayerInfo>();
        public void SetAttentionProcessor(string layerPath, IAttentionProcessor processor) => throw new ArgumentException(layerPath);
        public IAttentionProcessor GetAttentionProcessor(string layerPath) => throw new ArgumentException(layerPath);

        public Tensor PredictNoise(Tensor latents, Tensor timestep, Tensor encoderHiddenStates, int? denoisingStep = null)
        {
            Timesteps.Add(timestep.item<long>());
            BatchSizes.Add(latents.shape[0]);
            var eps = predict(latents, timestep, Timesteps.Count - 1);
            return eps.reshape(latents.shape);
        }

        public UNetOutput Forward(Tensor latents, Tensor timestep, Tensor encoderHiddenStates, IReadOnlyCollection<int> upBlocks,
            bool stopAfterLastFeature, int? denoisingStep = null) =>
            new(PredictNoise(latents, timestep, encoderHiddenStates, denoisingStep), new Dictionary<int, Tensor>());
    }
}
