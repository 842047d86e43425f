using DragVideo.Editing.Drag;
using DragVideo.Testing;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Drag;

/// <summary>
/// The drag optimiser under the half-precision policy: a bfloat16 backbone, a float32 latent, Adam state and loss.
/// bfloat16 compute is slow on this CPU, hence Slow; the dtype check needs no half-precision compute.
/// </summary>
public class DragHalfPrecisionTests(ITestOutputHelper output)
{
    private const int Frame = 16; // 8×8 latents: bfloat16 is slow on this CPU

    [Fact]
    [Trait("Category", "Slow")]
    public void One_drag_step_on_a_bfloat16_backbone_updates_a_float32_latent_as_float32_does()
    {
        var (latent, t, text) = Inputs();
        var pairs = Enumerable.Range(0, 2).Select(_ => (IReadOnlyList<DragPair>)new[] { new DragPair(new(5, 8), new(10, 8)) }).ToList();
        var mask = BinaryMask.FromFunction(Frame, Frame, (x, y) => x >= 2 && x <= 13 && y >= 4 && y <= 11);
        var input = new DragOptimizationInput(latent, t, text, pairs, new[] { mask, mask }, Frame, Frame);
        var options = new DragOptimizationOptions { Steps = 1, LearningRate = 0.01 };

        using var full = TinyDiffusion.Load();
        using var half = TinyDiffusion.Load(ScalarType.BFloat16);
        using var expected = new DragLatentOptimizer(full, Scheduler50(), options: options).Optimize(input);
        using var actual = new DragLatentOptimizer(half, Scheduler50(), options: options).Optimize(input);

        actual.Latent.dtype.Should().Be(ScalarType.Float32, "the optimised latent stays float32");
        actual.UpdatesApplied.Should().Be(1);
        double lossFull = expected.Losses.Single(), lossHalf = actual.Losses.Single();
        using var stepFull = expected.Latent - latent;
        using var stepHalf = actual.Latent - latent;
        double cosine = (stepFull * stepHalf).sum().item<float>() / (stepFull.norm().item<float>() * stepHalf.norm().item<float>());
        output.WriteLine($"loss float32 {lossFull:F5}, bfloat16 {lossHalf:F5}; cosine of the two latent updates {cosine:F4}");
        Math.Abs(lossHalf - lossFull).Should().BeLessThan(0.05 * lossFull, "Eq. 3 evaluated in float32 on bfloat16 features");
        cosine.Should().BeGreaterThan(0.9, "Adam's first step follows the gradient's signs; bfloat16 flips only near-zero entries");
        stepHalf.abs().max().item<float>().Should().BeLessThanOrEqualTo(0.0101f, "one Adam step moves each entry by at most lr");
        latent.Dispose();
        text.Dispose();
    }

    [Fact]
    public void A_non_floating_latent_is_refused_naming_it()
    {
        using var model = TinyDiffusion.Load();
        using var text = TinyDiffusion.TextEmbedding();
        using var latent = zeros(new long[] { 1, 4, 2, 8, 8 }, dtype: ScalarType.Int32);
        var pairs = Enumerable.Range(0, 2).Select(_ => (IReadOnlyList<DragPair>)new[] { new DragPair(new(5, 8), new(10, 8)) }).ToList();
        var input = new DragOptimizationInput(latent, 601, text, pairs, null, Frame, Frame);
        var act = () => new DragLatentOptimizer(model, Scheduler50(), options: new DragOptimizationOptions { Steps = 1 }).Optimize(input);
        act.Should().Throw<ArgumentException>().WithMessage("*input.Latent*floating-point*Int32*");
    }

    /// <summary>The tiny model's scheduler with the 50 inference steps the inputs' timestep comes from (the mask term steps it).</summary>
    private static DragVideo.Diffusion.Schedulers.DdimScheduler Scheduler50()
    {
        var scheduler = TinyDiffusion.Scheduler();
        scheduler.SetTimesteps(50);
        return scheduler;
    }

    private static (Tensor Latent, long Timestep, Tensor Text) Inputs()
    {
        var scheduler = Scheduler50();
        long t = scheduler.Timesteps[12];
        using var clean = TinyDiffusion.MovingBlobLatent(2, size: 8);
        using var g = new Generator(3);
        using var noise = randn(clean.shape, generator: g);
        using var tt = tensor(new[] { t });
        return (scheduler.AddNoise(clean, noise, tt), t, TinyDiffusion.TextEmbedding());
    }
}
