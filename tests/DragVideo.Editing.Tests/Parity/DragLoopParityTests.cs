using DragVideo.Editing.Drag;
using DragVideo.Testing;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Parity;

/// <summary>
/// Drag-loop parity with the authors' released DragVideo code, against the <c>dragloop</c> golden fixture
/// (../shared/fixtures/dragloop, sections "Common inputs", "A. The drag loop" and "Tracker check" of its README).
/// Tolerances are the README's suggested checks.
/// </summary>
[Trait("Category", "Parity")]
public sealed class DragLoopParityTests(DragLoopFixture fx, ITestOutputHelper output) : IClassFixture<DragLoopFixture>
{
    private const int Steps = 6; // meta.json n_pix_step

    private static DragOptimizationOptions Released(params int[] blocks) =>
        DragOptimizationOptions.ReleasedCode with { Steps = Steps, FeatureResolution = DragLoopFixture.SupRes, FeatureUpBlocks = blocks };

    private DragOptimizationInput Input() =>
        new(fx.Io["in.init_code"], fx.Timestep, fx.Io["in.text_emb"], fx.ImagePairs(), fx.Masks(), DragLoopFixture.ImageSize, DragLoopFixture.ImageSize)
        {
            RecordLatents = true,
        };

    [Fact]
    public void Dragloop_fixture_released_point_mapping_gives_the_stored_feature_points()
    {
        var pairs = fx.ImagePairs();
        var handles = DragLoopFixture.RowColPoints(fx.Io["in.handle_points"]);
        var targets = DragLoopFixture.RowColPoints(fx.Io["in.target_points"]);
        for (int f = 0; f < DragLoopFixture.Frames; f++)
            for (int j = 0; j < pairs[f].Count; j++)
            {
                var map = (DragPoint p) => DragFeatures.ToFeature(p, 256, 256, 64, 64, DragPointMapping.ScaleAndRound);
                map(pairs[f][j].Handle).Should().Be(handles[f][j], $"frame {f} pair {j} handle");
                map(pairs[f][j].Target).Should().Be(targets[f][j], $"frame {f} pair {j} target");
            }
        // x = 90 → 22.5 rounds half to even (22); pixel-centre mapping would give 22.125.
        DragFeatures.ToFeature(new DragPoint(90, 70), 256, 256, 64, 64, DragPointMapping.ScaleAndRound).Should().Be(new DragPoint(22, 18));
    }

    [Fact]
    public void Dragloop_fixture_latent_mask_is_the_released_nearest_downsampling()
    {
        using var scope = NewDisposeScope();
        var mask = DragFeatures.LatentMask(fx.Masks(), DragLoopFixture.Frames, 32, 32, CPU); // [F, 1, h, w]
        TensorAssert.Close(mask.permute(1, 0, 2, 3).unsqueeze(0), fx.Io["out.interp_mask"], 0, 0, "out.interp_mask");
    }

    [Fact]
    public void Dragloop_fixture_one_DDIM_step_from_the_initial_latent_gives_x_prev_0()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var z = fx.Io["in.init_code"];
        var eps = fx.Model.PredictNoise(z, fx.Io["in.t"], fx.Io["in.text_emb"]);
        var prev = fx.Scheduler.Step(eps, fx.Timestep, z).PrevSample;
        output.WriteLine($"out.x_prev_0 max |a-b| = {TensorAssert.MaxAbsDiff(prev, fx.Io["out.x_prev_0"]):E2}");
        TensorAssert.Close(prev, fx.Io["out.x_prev_0"], 1e-4, 1e-4, "out.x_prev_0");
    }

    [Fact]
    public void Dragloop_fixture_released_preset_reproduces_losses_handles_and_latents_of_every_step_with_feature_block_2()
    {
        using var result = new DragLatentOptimizer(fx.Model, fx.Scheduler, options: Released(2)).Optimize(Input());
        CheckRun(result, "out.");
        var stored = fx.Io["out.latent_after_step"];
        result.LatentHistory.Should().HaveCount(Steps);
        for (int k = 0; k < Steps; k++)
        {
            var (max, mean, outliers) = TensorAssert.CloseWithOutliers(result.LatentHistory[k], stored[k], 1e-4, 1e-4, 30, 0.02, 1e-6,
                $"out.latent_after_step[{k}]");
            output.WriteLine($"out.latent_after_step[{k}]: max |a-b| {max:E2}, mean {mean:E2}, {outliers} beyond 1e-4 + 1e-4·|b|");
        }
    }

    [Fact]
    public void Dragloop_fixture_released_preset_reproduces_losses_handles_and_final_latent_with_feature_blocks_2_and_3()
    {
        using var result = new DragLatentOptimizer(fx.Model, fx.Scheduler, options: Released(2, 3)).Optimize(Input());
        CheckRun(result, "out.up23.");
    }

    private void CheckRun(DragOptimizationResult result, string prefix)
    {
        result.UpdatesApplied.Should().Be(Steps, "meta.json early_stop_step is null: all K steps ran");
        result.Arrived.Should().BeFalse();
        var loss = fx.Io[prefix + "loss"].data<float>().ToArray();
        double worstLoss = 0;
        for (int k = 0; k < Steps; k++)
        {
            double rel = Math.Abs(result.Losses[k] - loss[k]) / Math.Abs(loss[k]);
            worstLoss = Math.Max(worstLoss, Math.Abs(result.Losses[k] - loss[k]));
            rel.Should().BeLessThan(1e-5, $"{prefix}loss[{k}]: {result.Losses[k]:G9} vs {loss[k]:G9}");
        }
        output.WriteLine($"{prefix}loss max |a-b| = {worstLoss:E2}");
        var storedHandles = fx.Io[prefix + "handle_points"];
        for (int k = 0; k < Steps; k++)
        {
            using var step = storedHandles[k];
            result.FeatureHandleHistory[k].Should().BeEquivalentTo(DragLoopFixture.RowColPoints(step), o => o.WithStrictOrdering(),
                $"{prefix}handle_points[{k}] (exact)");
        }
        output.WriteLine($"{prefix}handle_points: identical at all {Steps} steps");
        var (max, mean, outliers) = TensorAssert.CloseWithOutliers(result.Latent, fx.Io[prefix + "final_latent"], 1e-4, 1e-4, 30, 0.02, 1e-6,
            prefix + "final_latent");
        output.WriteLine($"{prefix}final_latent: max |a-b| {max:E2}, mean {mean:E2}, {outliers} beyond 1e-4 + 1e-4·|b|");
    }

    [Fact]
    public void Dragloop_fixture_objective_evaluation_reproduces_point_terms_mask_term_and_the_first_Adam_step()
    {
        var optimizer = new DragLatentOptimizer(fx.Model, fx.Scheduler, options: Released(2));
        var input = Input();
        var loss = fx.Io["out.loss"].data<float>().ToArray();
        var maskTerms = fx.Io["out.loss_mask_term"].data<float>().ToArray();
        var pointTerms = fx.Io["out.loss_point_terms"];
        double worstPoint = 0, worstMask = 0;
        foreach (int k in new[] { 0, 1, 5 })
        {
            using var scope = NewDisposeScope();
            var latent = k == 0 ? fx.Io["in.init_code"] : fx.Io["out.latent_after_step"][k - 1];
            var handles = DragLoopFixture.RowColPoints(fx.Io["out.handle_points"][k]);
            using var eval = optimizer.Evaluate(input, latent, handles);
            Math.Abs(eval.Value - loss[k]).Should().BeLessThan(1e-5 * Math.Abs(loss[k]), $"out.loss[{k}]");
            var terms = pointTerms[k].data<float>().ToArray();
            double sum = 0;
            for (int f = 0; f < DragLoopFixture.Frames; f++)
            {
                using var frame = eval.Features[f];
                for (int j = 0; j < 2; j++)
                {
                    using var term = MotionSupervisionLoss.PairTerm(frame, eval.Pairs[f][j], 1, 1.0, HandleCellRounding.Truncate);
                    double value = term is null ? 0 : term.item<float>();
                    sum += value;
                    worstPoint = Math.Max(worstPoint, Math.Abs(value - terms[f * 2 + j]));
                    Math.Abs(value - terms[f * 2 + j]).Should().BeLessThanOrEqualTo(1e-5 * Math.Max(1, Math.Abs(terms[f * 2 + j])),
                        $"out.loss_point_terms[{k},{f},{j}]");
                    if (f == 3 && j == 1) term.Should().BeNull("pair (3,1) has handle = target and is skipped");
                }
            }
            double mask = eval.Value * DragLoopFixture.Frames - sum;
            worstMask = Math.Max(worstMask, Math.Abs(mask - maskTerms[k]));
            Math.Abs(mask - maskTerms[k]).Should().BeLessThan(1e-4 + 1e-5 * Math.Abs(maskTerms[k]), $"out.loss_mask_term[{k}]");
            if (k == 0)
            {
                // Adam's first step is lr·g/(|g| + ε): the gradient returned here must reproduce the stored step-1 latent.
                var step = eval.Gradient.div(eval.Gradient.abs().add(1e-8)).mul(0.01);
                var stepped = fx.Io["in.init_code"].sub(step);
                var (max, _, outliers) = TensorAssert.CloseWithOutliers(stepped, fx.Io["out.latent_after_step"][0], 1e-4, 1e-4, 30, 0.02, 1e-6,
                    "first Adam step from Evaluate's gradient");
                output.WriteLine($"first Adam step from the evaluated gradient: max |a-b| {max:E2}, {outliers} outliers");
            }
        }
        output.WriteLine($"out.loss_point_terms max |a-b| = {worstPoint:E2}; out.loss_mask_term max |a-b| = {worstMask:E2}");
    }

    [Fact]
    public void Dragloop_fixture_truncating_tracker_reproduces_the_released_point_tracking_check()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var shift = fx.Io["in.track.latent_shift"].data<long>().ToArray();
        var z0 = fx.Io["in.init_code"];
        var z1 = roll(z0, shift, new long[] { 3, 4 });
        Tensor Features(Tensor z)
        {
            using var o = fx.Model.Forward(z, fx.Io["in.t"], fx.Io["in.text_emb"], new[] { 2 }, stopAfterLastFeature: true);
            return DragFeatures.FromOutput(o, new[] { 2 }, 64, 64);
        }
        var handles = DragLoopFixture.RowColPoints(fx.Io["in.handle_points"]);
        var tracker = new FeatureHandleTracker(3, HandleCellRounding.Truncate);
        var references = tracker.ReferenceFeatures(Features(z0), handles);
        var moved = tracker.Track(Features(z1), references, handles);
        moved.Should().BeEquivalentTo(DragLoopFixture.RowColPoints(fx.Io["out.track.handle_points"]), o => o.WithStrictOrdering(),
            "out.track.handle_points (exact)");
        moved[7][1].Should().Be(new DragPoint(30, 58), "the border pair (7,1) moves from row 61 to 58 through a truncated window");
    }
}
