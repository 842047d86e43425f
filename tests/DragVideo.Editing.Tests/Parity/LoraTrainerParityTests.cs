using DragVideo.Diffusion.Lora;
using DragVideo.Testing;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Parity;

/// <summary>
/// LoRA training parity with the released <c>LoRATrainHelper</c> steps, against the <c>dragloop</c> golden fixture (README
/// section "D. LoRA training steps"): rank-4 adapters on all 74 attention modules, the stored initial A (B = 0), noise and
/// timesteps injected through <see cref="FixedLoraTrainingDraws"/>, three AdamW steps.
/// </summary>
[Trait("Category", "Parity")]
public sealed class LoraTrainerParityTests(DragLoopFixture fx, ITestOutputHelper output) : IClassFixture<DragLoopFixture>
{
    private const string InitPrefix = "in.lora_A_init.";

    [Fact]
    public void Dragloop_fixture_trainer_with_injected_draws_reproduces_losses_and_adapter_weights_after_each_AdamW_step()
    {
        using var network = LoraNetwork.Create(fx.Model, new LoraConfig { Rank = 4 });
        network.Layers.Should().HaveCount(74);
        var initial = new Dictionary<string, Tensor>();
        foreach (var (key, a) in fx.Io.Where(kv => kv.Key.StartsWith(InitPrefix, StringComparison.Ordinal)))
        {
            string down = key[InitPrefix.Length..];
            initial[down] = a;
            initial[down.Replace(".lora_A.weight", ".lora_B.weight", StringComparison.Ordinal)] =
                zeros(FixtureShape("out.lora.step1." + down.Replace(".lora_A.weight", ".lora_B.weight", StringComparison.Ordinal)));
        }
        initial.Should().HaveCount(2 * 296);
        network.LoadStateDict(initial, "dragloop in.lora_A_init");

        var snapshots = new List<Dictionary<string, Tensor>>();
        var options = new LoraTrainingOptions
        {
            Adapters = new LoraConfig { Rank = 4 },
            Steps = 3,
            LearningRate = 1e-4,
            WeightDecay = 1e-2,
            BatchFrames = DragLoopFixture.Frames,
        };
        var draws = new FixedLoraTrainingDraws(fx.Io["in.lora.timesteps"].data<long>().ToArray(), fx.Io["in.lora.eps"]);
        LoraTrainingResult result;
        try
        {
            result = new LoraTrainer().Train(fx.Model, fx.Scheduler, network, fx.Io["in.lora.z0"], fx.Io["in.text_emb"], options,
                new SnapshotProgress(() => snapshots.Add(network.StateDict().ToDictionary(
                    // Copies that outlive the trainer's per-step dispose scope (the callback runs inside it).
                    kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope()))), draws: draws);
        }
        finally
        {
            network.Detach();
        }

        var loss = fx.Io["out.lora.loss"].data<float>().ToArray();
        for (int k = 0; k < 3; k++)
        {
            output.WriteLine($"out.lora.loss[{k}] = {loss[k]:G9}, ours {result.Losses[k]:G9}");
            Math.Abs(result.Losses[k] - loss[k]).Should().BeLessThan(1e-5 * loss[k], $"out.lora.loss[{k}]");
        }
        snapshots.Should().HaveCount(3);
        for (int step = 1; step <= 3; step++)
        {
            double worstA = 0, worstB = 0;
            foreach (var (key, actual) in snapshots[step - 1])
            {
                string name = key.StartsWith("unet.", StringComparison.Ordinal) ? key["unet.".Length..] : key; // the fixture has no unet. prefix
                var expected = fx.Io[$"out.lora.step{step}.{name}"];
                bool isA = key.EndsWith(".lora_A.weight", StringComparison.Ordinal);
                double tolerance = isA && step == 1 ? 1e-7 : 5e-6;
                double diff = TensorAssert.MaxAbsDiff(actual, expected);
                if (isA) worstA = Math.Max(worstA, diff); else worstB = Math.Max(worstB, diff);
                diff.Should().BeLessThanOrEqualTo(tolerance, $"out.lora.step{step}.{key}");
            }
            output.WriteLine($"step {step}: lora_A max |a-b| = {worstA:E2}, lora_B max |a-b| = {worstB:E2}");
        }
        foreach (var s in snapshots) foreach (var t in s.Values) t.Dispose();
        foreach (var (k, t) in initial) if (k.EndsWith(".lora_B.weight", StringComparison.Ordinal)) t.Dispose();
    }

    [Fact]
    public void Gaussian_initialisation_draws_A_with_standard_deviation_one_over_rank_and_B_zero()
    {
        using var network = LoraNetwork.Create(fx.Model, new LoraConfig { Rank = 4, Initialization = LoraInitialization.Gaussian, Seed = 1104 });
        using var scope = NewDisposeScope();
        var a = cat(network.Layers.Values.SelectMany(l => l.Projections.Values).Select(p => p.Down.detach().flatten()).ToList(), 0);
        double std = a.std().item<float>();
        output.WriteLine($"{a.numel()} A entries, std {std:F4} (expected 0.25)");
        std.Should().BeInRange(0.24, 0.26);
        network.Layers.Values.SelectMany(l => l.Projections.Values).Should().OnlyContain(p => p.Up.abs().max().item<float>() == 0);
        using var kaiming = LoraNetwork.Create(fx.Model, new LoraConfig { Rank = 4, Seed = 1104 });
        kaiming.Layers.Values.SelectMany(l => l.Projections.Values).Max(p => p.Down.abs().max().item<float>())
            .Should().BeLessThan(0.25f, "Kaiming-uniform is bounded by 1/√in ≤ 1/√32");
    }

    private long[] FixtureShape(string key) => fx.Io[key].shape;

    private sealed class SnapshotProgress(Action snapshot) : IProgress<LoraTrainingStep>
    {
        public void Report(LoraTrainingStep value) => snapshot();
    }
}
