using DragVideo.Testing;
using DragVideo.Diffusion.Lora;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Lora;

public class LoraTrainerTests(ITestOutputHelper output)
{
    [Fact]
    public void Training_lowers_the_Eq1_loss_on_a_clip_and_trains_only_the_adapters()
    {
        using var model = TinyDiffusion.Load();
        var scheduler = TinyDiffusion.Scheduler();
        using var latent = TinyDiffusion.MovingBlobLatent(8);
        using var text = TinyDiffusion.TextEmbedding();
        var baseWeights = model.parameters().Select(p => p.detach().clone()).ToList();
        double before = LoraTrainer.EvaluateLoss(model, scheduler, latent, text, samples: 16);
        using var network = LoraNetwork.Create(model, new LoraConfig { Rank = 8 });
        var options = new LoraTrainingOptions { Adapters = new LoraConfig { Rank = 8 }, Steps = 40, LearningRate = 5e-3, BatchFrames = 6 };
        var reports = new List<LoraTrainingStep>();
        var result = new LoraTrainer().Train(model, scheduler, network, latent, text, options, new ListProgress<LoraTrainingStep>(reports));
        double after = LoraTrainer.EvaluateLoss(model, scheduler, latent, text, samples: 16);

        output.WriteLine($"Eq. 1 loss (16 fixed draws) before {before:F5}, after 40 steps {after:F5} ({(1 - after / before) * 100:F1}% lower)");
        result.Losses.Should().HaveCount(40);
        reports.Select(r => r.Step).Should().Equal(Enumerable.Range(1, 40));
        reports.Should().OnlyContain(r => r.FirstFrame >= 0 && r.FirstFrame <= 2);
        after.Should().BeLessThan(before * 0.9, $"Eq. 1 loss before {before:F4}, after {after:F4}");
        model.parameters().Zip(baseWeights).Should().OnlyContain(pair => pair.First.equal(pair.Second).all().item<bool>(), "the base U-Net is frozen");
        model.parameters().Should().OnlyContain(p => p.requires_grad, "requires_grad flags are restored");
        foreach (var w in baseWeights) w.Dispose();
    }

    [Fact]
    public void Cancellation_stops_before_the_next_step()
    {
        using var model = TinyDiffusion.Load();
        using var latent = TinyDiffusion.MovingBlobLatent(4);
        using var text = TinyDiffusion.TextEmbedding();
        using var network = LoraNetwork.Create(model, new LoraConfig { Rank = 2 });
        using var cts = new CancellationTokenSource();
        var reports = new List<LoraTrainingStep>();
        var progress = new ListProgress<LoraTrainingStep>(reports, onReport: s => { if (s.Step == 2) cts.Cancel(); });
        var act = () => new LoraTrainer().Train(model, TinyDiffusion.Scheduler(), network, latent, text,
            new LoraTrainingOptions { Adapters = new LoraConfig { Rank = 2 }, Steps = 10 }, progress, cts.Token);
        act.Should().Throw<OperationCanceledException>();
        reports.Should().HaveCount(2);
    }
}
