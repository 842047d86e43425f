using DragVideo.Editing.Drag;
using DragVideo.Editing.Tests.Support;
using DragVideo.Testing;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Drag;

public class DragLatentOptimizerTests(ITestOutputHelper output)
{
    // Tiny fixture: VAE factor 2, so a 32×32 frame has a 16×16 latent; features at scale 0.5 are 16×16 too.
    private const int Frame = 32;

    private static (Tensor Latent, long Timestep, DragVideo.Diffusion.Schedulers.DdimScheduler Scheduler) NoisyLatent(int frames)
    {
        var scheduler = TinyDiffusion.Scheduler();
        scheduler.SetTimesteps(50);
        long t = scheduler.Timesteps[12]; // strength 0.75 of 50 steps → index 50 − 38
        using var clean = TinyDiffusion.MovingBlobLatent(frames);
        using var g = new Generator(3);
        using var noise = randn(clean.shape, generator: g);
        using var tt = tensor(new[] { t });
        return (scheduler.AddNoise(clean, noise, tt), t, scheduler);
    }

    private static IReadOnlyList<IReadOnlyList<DragPair>> SamePairs(int frames, DragPair pair) =>
        Enumerable.Range(0, frames).Select(_ => (IReadOnlyList<DragPair>)new[] { pair }).ToList();

    [Fact]
    public void Optimiser_lowers_Eq3_moves_handles_toward_targets_and_keeps_the_latent_outside_the_mask()
    {
        using var model = TinyDiffusion.Load();
        var (latent, t, scheduler) = NoisyLatent(4);
        using var text = TinyDiffusion.TextEmbedding();
        var mask = BinaryMask.FromFunction(Frame, Frame, (x, y) => x >= 4 && x <= 27 && y >= 8 && y <= 23);
        var input = new DragOptimizationInput(latent, t, text, SamePairs(4, new DragPair(new(10, 16), new(20, 16))),
            Enumerable.Repeat(mask, 4).ToList(), Frame, Frame);
        var steps = new List<DragOptimizationStep>();
        using var result = new DragLatentOptimizer(model, scheduler, options: new DragOptimizationOptions { Steps = 25, LearningRate = 0.05 })
            .Optimize(input, new ListProgress<DragOptimizationStep>(steps));

        using var delta = (result.Latent - latent).abs();
        using var latentMask = DragFeatures.LatentMask(Enumerable.Repeat(mask, 4).ToList(), 4, 16, 16, CPU).permute(1, 0, 2, 3).unsqueeze(0);
        double inside = (delta * latentMask).sum().item<float>() / latentMask.sum().item<float>() / 4;
        double outside = (delta * (1 - latentMask)).sum().item<float>() / (1 - latentMask).sum().item<float>() / 4;
        output.WriteLine($"updates {result.UpdatesApplied}, loss {result.Losses.First():F4} → {result.Losses.Last():F4}, " +
                         $"mean handle→target {result.MeanHandleDistances.First():F2} → {result.MeanHandleDistances.Last():F2} px, " +
                         $"mean |Δz| inside mask {inside:E2}, outside {outside:E2}, latent std {latent.std().item<float>():F3}");
        result.Losses.Should().NotBeEmpty();
        result.Losses.TakeLast(3).Average().Should().BeLessThan(result.Losses.First());
        result.MeanHandleDistances.Last().Should().BeLessThan(result.MeanHandleDistances.First());
        outside.Should().BeLessThan(inside / 2, "λ keeps the region outside the mask");
        steps.Should().OnlyContain(s => s.MeanHandleDistance >= 0 && s.TotalSteps == 25);
        latent.Dispose();
    }

    [Fact]
    public void Zero_length_drags_stop_at_once_and_leave_the_latent_bit_identical()
    {
        using var model = TinyDiffusion.Load();
        var (latent, t, scheduler) = NoisyLatent(2);
        using var text = TinyDiffusion.TextEmbedding();
        var input = new DragOptimizationInput(latent, t, text, SamePairs(2, new DragPair(new(10, 10), new(10, 10))), null, Frame, Frame);
        using var result = new DragLatentOptimizer(model, scheduler).Optimize(input);
        result.Arrived.Should().BeTrue();
        result.UpdatesApplied.Should().Be(0);
        TensorAssert.MaxAbsDiff(result.Latent, latent).Should().Be(0);
        latent.Dispose();
    }

    [Fact]
    public void Cancellation_stops_within_the_current_step()
    {
        using var model = TinyDiffusion.Load();
        var (latent, t, scheduler) = NoisyLatent(2);
        using var text = TinyDiffusion.TextEmbedding();
        var input = new DragOptimizationInput(latent, t, text, SamePairs(2, new DragPair(new(6, 6), new(26, 26))), null, Frame, Frame);
        using var cts = new CancellationTokenSource();
        var steps = new List<DragOptimizationStep>();
        var progress = new ListProgress<DragOptimizationStep>(steps, s => { if (s.Step == 2) cts.Cancel(); });
        var act = () => new DragLatentOptimizer(model, scheduler, options: new DragOptimizationOptions { Steps = 10 }).Optimize(input, progress, cts.Token);
        act.Should().Throw<OperationCanceledException>();
        steps.Should().HaveCount(2);
        latent.Dispose();
    }

    [Fact]
    public void Live_tensor_count_does_not_grow_with_the_number_of_steps()
    {
        using var model = TinyDiffusion.Load();
        var (latent, t, scheduler) = NoisyLatent(2);
        using var text = TinyDiffusion.TextEmbedding();
        var mask = BinaryMask.FromFunction(Frame, Frame, (x, y) => x >= 4 && x <= 27);
        var input = new DragOptimizationInput(latent, t, text, SamePairs(2, new DragPair(new(6, 6), new(26, 26))),
            new[] { mask, mask }, Frame, Frame);
        long Run(int steps)
        {
            long before = LiveTensors.Count;
            using (var r = new DragLatentOptimizer(model, scheduler, options: new DragOptimizationOptions { Steps = steps }).Optimize(input))
                r.UpdatesApplied.Should().Be(steps);
            return LiveTensors.Count - before;
        }
        Run(1);
        long afterTwo = Run(2), afterSix = Run(6);
        afterSix.Should().Be(afterTwo, "each step frees what it allocates");
        latent.Dispose();
    }

    [Fact]
    public void DragBatchFrames_optimises_chunks_independently_exactly_as_separate_runs_on_each_chunk()
    {
        using var model = TinyDiffusion.Load();
        var (latent, t, scheduler) = NoisyLatent(4);
        using var text = TinyDiffusion.TextEmbedding();
        var mask = BinaryMask.FromFunction(Frame, Frame, (x, y) => x >= 4 && x <= 27);
        var pairs = Enumerable.Range(0, 4).Select(f => (IReadOnlyList<DragPair>)new[] { new DragPair(new(8 + f, 12), new(20 + f, 14)) }).ToList();
        var masks = Enumerable.Repeat(mask, 4).ToList();
        var options = new DragOptimizationOptions { Steps = 3 };
        var steps = new List<DragOptimizationStep>();
        using var chunked = new DragLatentOptimizer(model, scheduler, options: options with { DragBatchFrames = 2 })
            .Optimize(new DragOptimizationInput(latent, t, text, pairs, masks, Frame, Frame), new ListProgress<DragOptimizationStep>(steps));

        var parts = new List<Tensor>();
        foreach (int first in new[] { 0, 2 })
        {
            using var slice = latent.narrow(2, first, 2).contiguous();
            using var alone = new DragLatentOptimizer(model, scheduler, options: options)
                .Optimize(new DragOptimizationInput(slice, t, text, pairs.Skip(first).Take(2).ToList(), masks.Take(2).ToList(), Frame, Frame));
            parts.Add(alone.Latent.clone());
        }
        using var expected = cat(parts, 2);
        foreach (var p in parts) p.Dispose();
        TensorAssert.MaxAbsDiff(chunked.Latent, expected).Should().Be(0, "each chunk has its own latent slice, Adam state and tracking");
        chunked.UpdatesApplied.Should().Be(6);
        steps.Select(s => s.Step).Should().Equal(1, 2, 3, 4, 5, 6);
        steps.Should().OnlyContain(s => s.TotalSteps == 6);

        using var whole = new DragLatentOptimizer(model, scheduler, options: options)
            .Optimize(new DragOptimizationInput(latent, t, text, pairs, masks, Frame, Frame));
        TensorAssert.MaxAbsDiff(whole.Latent, chunked.Latent).Should().BeGreaterThan(0, "the whole clip couples the frames through the motion modules");
        latent.Dispose();
    }

    /// <summary>The built-in objective behind an interface the optimiser cannot see through: it gets the dense map.</summary>
    private sealed class DenseObjective(MotionSupervisionLoss inner) : IDragObjective
    {
        public bool NeedsPreviousLatents => inner.NeedsPreviousLatents;

        public Tensor ComputeLoss(DragObjectiveInput input) => inner.ComputeLoss(input);
    }

    [Theory]
    [InlineData(HandleCellRounding.Nearest)]
    [InlineData(HandleCellRounding.Truncate)]
    public void Windowed_features_give_the_dense_maps_handles_losses_and_latent(HandleCellRounding rounding)
    {
        using var model = TinyDiffusion.Load();
        var (latent, t, scheduler) = NoisyLatent(3);
        using var text = TinyDiffusion.TextEmbedding();
        var mask = BinaryMask.FromFunction(Frame, Frame, (x, y) => x <= 27 && y >= 2);
        // Handles in the interior, on the left edge and in the bottom-right corner, so clipped windows are exercised.
        var pairs = new List<IReadOnlyList<DragPair>>
        {
            new[] { new DragPair(new(10, 16), new(20, 16)), new DragPair(new(0, 5), new(6, 9)) },
            new[] { new DragPair(new(31, 31), new(24, 26)) },
            new[] { new DragPair(new(15.3f, 1), new(15.3f, 12)), new DragPair(new(2, 29), new(9, 30)) },
        };
        var masks = Enumerable.Repeat(mask, 3).ToList();
        var options = new DragOptimizationOptions { Steps = 8, LearningRate = 0.1, HandleCell = rounding };
        var input = new DragOptimizationInput(latent, t, text, pairs, masks, Frame, Frame) { RecordLatents = true };
        using var windowed = new DragLatentOptimizer(model, scheduler, options: options).Optimize(input);
        using var dense = new DragLatentOptimizer(model, scheduler, new DenseObjective(MotionSupervisionLoss.FromOptions(options)), options).Optimize(input);

        windowed.UpdatesApplied.Should().Be(dense.UpdatesApplied).And.BeGreaterThan(2);
        windowed.FeatureHandleHistory.Should().BeEquivalentTo(dense.FeatureHandleHistory, o => o.WithStrictOrdering());
        windowed.Handles.Should().BeEquivalentTo(dense.Handles, o => o.WithStrictOrdering());
        windowed.FeatureHandleHistory.Should().Contain(step => !step.SelectMany(p => p).SequenceEqual(windowed.FeatureHandleHistory[0].SelectMany(p => p)),
            "tracking moved some handles, so the comparison covers tracking");
        for (int k = 0; k < windowed.Losses.Count; k++)
            windowed.Losses[k].Should().BeApproximately(dense.Losses[k], 1e-5 * Math.Max(1, Math.Abs(dense.Losses[k])), $"loss of step {k + 1}");
        TensorAssert.MaxAbsDiff(windowed.Latent, dense.Latent).Should().BeLessThan(1e-4);
        latent.Dispose();
    }
}
