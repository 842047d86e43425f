using DragVideo.Diffusion.Schedulers;
using DragVideo.Testing;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Ddim;

/// <summary>
/// The immutable <see cref="DdimSchedule"/> and the pure <see cref="DdimScheduler.InverseStep"/>: the same numbers as the
/// stateful scheduler and the inversion loop, without anyone calling <see cref="DdimScheduler.SetTimesteps"/>.
/// </summary>
[Trait("Category", "Parity")]
public sealed class DdimScheduleTests
{
    private static DdimScheduler Sd15() => DdimScheduler.FromPretrained(Fixtures.PathOf("ddim", "scheduler_config.json"));

    [Theory]
    [InlineData(981)]
    [InlineData(501)]
    [InlineData(21)]
    [InlineData(1)]
    public void Pure_inverse_step_equals_the_reference_and_the_stateful_inversion_step_bit_for_bit(long t)
    {
        var fresh = Sd15(); // never given timesteps: the pure step needs only the step count
        var (next, x0) = fresh.InverseStep(DdimFixture.Get("model_output"), t, DdimFixture.Get("sample"), 50);
        TensorAssert.Close(next, DdimFixture.Get($"inv_step.t{t}.x_next"), 1e-6, 1e-6, "x_next");
        TensorAssert.Close(x0, DdimFixture.Get($"inv_step.t{t}.pred_x0"), 1e-6, 1e-6, "pred_x0");

        var stateful = Sd15();
        stateful.SetTimesteps(50);
        var (oldNext, oldX0) = new DdimInversion(stateful).Step(DdimFixture.Get("model_output"), t, DdimFixture.Get("sample"));
        var (scheduleNext, scheduleX0) = fresh.CreateSchedule(50).InverseStep(DdimFixture.Get("model_output"), t, DdimFixture.Get("sample"));
        TensorAssert.MaxAbsDiff(next, oldNext).Should().Be(0);
        TensorAssert.MaxAbsDiff(x0, oldX0).Should().Be(0);
        TensorAssert.MaxAbsDiff(next, scheduleNext).Should().Be(0);
        TensorAssert.MaxAbsDiff(x0, scheduleX0).Should().Be(0);
        foreach (var x in new[] { next, x0, oldNext, oldX0, scheduleNext, scheduleX0 }) x.Dispose();
    }

    [Theory]
    [InlineData(50)]
    [InlineData(10)]
    [InlineData(7)]
    public void CreateSchedule_gives_the_SetTimesteps_timesteps_and_leaves_the_scheduler_as_it_was(int steps)
    {
        var scheduler = Sd15();
        scheduler.SetTimesteps(25);
        var before = scheduler.Timesteps.ToList();
        var schedule = scheduler.CreateSchedule(steps);
        scheduler.Timesteps.Should().Equal(before, "creating a schedule never changes the shared scheduler");
        scheduler.InferenceSteps.Should().Be(25);

        var reference = Sd15();
        reference.SetTimesteps(steps);
        schedule.Timesteps.Should().Equal(reference.Timesteps);
        schedule.InferenceSteps.Should().Be(steps);
        schedule.PreviousTimestep(schedule.Timesteps[0]).Should().Be(reference.PreviousTimestep(reference.Timesteps[0]));
    }

    [Fact]
    public void Schedule_step_equals_the_stateful_step_bit_for_bit_at_every_timestep()
    {
        var schedule = Sd15().CreateSchedule(10);
        var stateful = Sd15();
        stateful.SetTimesteps(10);
        foreach (long t in schedule.Timesteps)
        {
            using var scope = NewDisposeScope();
            var a = schedule.Step(DdimFixture.Get("model_output"), t, DdimFixture.Get("sample"));
            var b = stateful.Step(DdimFixture.Get("model_output"), t, DdimFixture.Get("sample"));
            TensorAssert.MaxAbsDiff(a.PrevSample, b.PrevSample).Should().Be(0, $"t = {t}");
            TensorAssert.MaxAbsDiff(a.PredOriginalSample, b.PredOriginalSample).Should().Be(0, $"t = {t}");
        }
    }

    [Fact]
    public void Start_index_and_inversion_timesteps_of_the_paper_schedule_end_at_t741()
    {
        var schedule = Sd15().CreateSchedule(50);
        schedule.StartIndex(38).Should().Be(12);
        schedule.Timesteps[12].Should().Be(741);
        var inversion = schedule.InversionTimesteps(38);
        inversion.Should().HaveCount(38);
        inversion[0].Should().Be(1);
        inversion[^1].Should().Be(741);
        var act = () => schedule.StartIndex(51);
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("invertedSteps");
    }

    [Fact]
    public void A_schedule_refuses_SetTimesteps_through_the_scheduler_interface()
    {
        INoiseScheduler schedule = Sd15().CreateSchedule(50);
        var act = () => schedule.SetTimesteps(25);
        act.Should().Throw<NotSupportedException>().WithMessage("*immutable*CreateSchedule(25)*");
        schedule.Timesteps.Should().HaveCount(50);
    }

    [Fact]
    public void Invert_never_changes_the_scheduler_and_the_schedule_overload_equals_the_options_overload()
    {
        var scheduler = Sd15();
        scheduler.SetTimesteps(25); // a caller's own schedule
        var before = scheduler.Timesteps.ToList();
        var backbone = new AffineNoiseBackbone();
        using var latents = randn(new long[] { 1, 4, 2, 4, 4 }, generator: new Generator(5));
        using var text = zeros(1, 77, 8);
        var inversion = new DdimInversion(scheduler);
        using var byOptions = inversion.Invert(backbone, latents, text, new DdimInversionOptions { InferenceSteps = 50, Strength = 0.75 });
        scheduler.Timesteps.Should().Equal(before);

        var schedule = scheduler.CreateSchedule(50);
        using var bySchedule = inversion.Invert(backbone, latents, text, schedule, 38);
        byOptions.Timestep.Should().Be(741);
        bySchedule.Timestep.Should().Be(741);
        bySchedule.StartIndex.Should().Be(12);
        TensorAssert.MaxAbsDiff(byOptions.Latents, bySchedule.Latents).Should().Be(0);
        scheduler.Timesteps.Should().Equal(before);
    }

    [Fact]
    public void Inversion_options_resolve_their_steps_on_a_schedule_and_name_what_is_wrong()
    {
        var schedule = Sd15().CreateSchedule(50);
        new DdimInversionOptions().ActualStepsOn(schedule).Should().Be(38);
        new DdimInversionOptions { TargetTimestep = 501 }.ActualStepsOn(schedule).Should().Be(26);
        new DdimInversionOptions { ActualSteps = 5 }.ActualStepsOn(schedule).Should().Be(5);
        var notInSchedule = () => new DdimInversionOptions { TargetTimestep = 500 }.ActualStepsOn(schedule);
        notInSchedule.Should().Throw<ArgumentException>().Where(e => e.ParamName == "TargetTimestep").WithMessage("*500*");
        var otherSteps = () => new DdimInversionOptions { InferenceSteps = 49 }.ActualStepsOn(schedule);
        otherSteps.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("schedule");
        var badStrength = () => new DdimInversionOptions { Strength = 0 }.Validate();
        badStrength.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Strength");
        var badSteps = () => new DdimInversionOptions { InferenceSteps = 50, ActualSteps = 51 }.Validate();
        badSteps.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("ActualSteps");
    }

    /// <summary>ε = 0.1·x + t/1000: depends on both the latent and the timestep, so a wrong pairing shows.</summary>
    private sealed class AffineNoiseBackbone : IVideoDiffusionBackbone
    {
        public int LatentChannels => 4;
        public int UpBlockCount => 2;
        public bool MotionModulesEnabled { get; set; } = true;
        public IReadOnlyList<AttentionLayerInfo> AttentionLayers => Array.Empty<AttentionLayerInfo>();
        public void SetAttentionProcessor(string layerPath, IAttentionProcessor processor) => throw new ArgumentException(layerPath);
        public IAttentionProcessor GetAttentionProcessor(string layerPath) => throw new ArgumentException(layerPath);

        public Tensor PredictNoise(Tensor latents, Tensor timestep, Tensor encoderHiddenStates, int? denoisingStep = null) =>
            latents * 0.1 + timestep.to_type(ScalarType.Float32) / 1000;

        public UNetOutput Forward(Tensor latents, Tensor timestep, Tensor encoderHiddenStates, IReadOnlyCollection<int> upBlocks,
            bool stopAfterLastFeature, int? denoisingStep = null) =>
            new(PredictNoise(latents, timestep, encoderHiddenStates, denoisingStep), new Dictionary<int, Tensor>());
    }
}
