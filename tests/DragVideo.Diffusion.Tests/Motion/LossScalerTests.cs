using DragVideo.Diffusion.Precision;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Motion;

public class LossScalerTests
{
    [Fact]
    public void A_scaled_step_gives_the_unscaled_update()
    {
        var (plain, _) = OneStep(new LossScaler(enabled: false), lossFactor: 1);
        var (scaled, scaler) = OneStep(new LossScaler(initialScale: 1024), lossFactor: 1);
        scaler.SkippedSteps.Should().Be(0);
        scaled.Zip(plain).Max(x => Math.Abs(x.First - x.Second)).Should().BeLessThan(1e-6f, "gradients are divided by the scale before the step");
    }

    [Fact]
    public void An_overflowing_step_is_skipped_and_the_scale_backs_off()
    {
        var scaler = new LossScaler(initialScale: 1e30);
        var (after, _) = OneStep(scaler, lossFactor: 1e10);
        scaler.SkippedSteps.Should().Be(1);
        scaler.Scale.Should().Be(5e29);
        after.Should().BeEquivalentTo(new[] { 1f, 2f }, "the parameter is left as it was");
    }

    [Fact]
    public void The_scale_grows_after_the_growth_interval_of_clean_steps()
    {
        var scaler = new LossScaler(initialScale: 8, growthInterval: 2);
        using var p = new Parameter(tensor(new[] { 1f, 2f }));
        using var opt = optim.SGD(new[] { p }, 0.1);
        for (int i = 0; i < 2; i++)
        {
            opt.zero_grad();
            scaler.Backward((p * p).sum());
            scaler.Step(opt, new[] { p }).Should().BeTrue();
        }
        scaler.Scale.Should().Be(16);
    }

    [Fact]
    public void Scaling_is_on_for_float16_only()
    {
        LossScaler.For(ScalarType.Float16).Enabled.Should().BeTrue();
        LossScaler.For(ScalarType.BFloat16).Enabled.Should().BeFalse("bfloat16 has float32's exponent range");
        LossScaler.For(ScalarType.Float32).Scale.Should().Be(1);
    }

    [Fact]
    public void Bad_factors_are_refused()
    {
        ((Action)(() => _ = new LossScaler(initialScale: 0))).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("initialScale");
        ((Action)(() => _ = new LossScaler(backoffFactor: 1))).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("backoffFactor");
        ((Action)(() => _ = new LossScaler(growthFactor: 1))).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("growthFactor");
    }

    private static (float[] After, LossScaler Scaler) OneStep(LossScaler scaler, double lossFactor)
    {
        using var p = new Parameter(tensor(new[] { 1f, 2f }));
        using var opt = optim.SGD(new[] { p }, 0.1);
        opt.zero_grad();
        scaler.Backward((p * p).sum() * lossFactor);
        scaler.Step(opt, new[] { p });
        return (p.detach().data<float>().ToArray(), scaler);
    }
}
