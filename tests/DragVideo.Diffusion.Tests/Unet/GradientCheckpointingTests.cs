using DragVideo.Diffusion.Lora;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Testing;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Unet;

public class GradientCheckpointingTests(ITestOutputHelper output)
{
    private static readonly GradientCheckpointing[] Modes = { GradientCheckpointing.Blocks, GradientCheckpointing.All };

    [Fact]
    public void Checkpointed_drag_style_backward_gives_the_plain_latent_gradient_in_every_mode()
    {
        using var model = TinyDiffusion.Load();
        using var latent = TinyDiffusion.MovingBlobLatent(2, size: 8);
        using var text = TinyDiffusion.TextEmbedding();
        using var plain = LatentGradient(model, latent, text, GradientCheckpointing.Off, truncated: true);
        plain.abs().max().item<float>().Should().BeGreaterThan(0, "the loss depends on the latent");
        foreach (var mode in Modes)
        {
            using var checkpointed = LatentGradient(model, latent, text, mode, truncated: true);
            output.WriteLine($"{mode}, truncated after up block 0: max |Δgrad| = {TensorAssert.MaxAbsDiff(checkpointed, plain):E2} (max |grad| {plain.abs().max().item<float>():E2})");
            TensorAssert.Close(checkpointed, plain, atol: 1e-6, rtol: 1e-4, because: $"{mode} recomputes the same float32 graph");
        }
    }

    [Fact]
    public void Checkpointed_full_pass_backward_gives_the_plain_latent_gradient()
    {
        using var model = TinyDiffusion.Load();
        using var latent = TinyDiffusion.MovingBlobLatent(2, size: 8);
        using var text = TinyDiffusion.TextEmbedding();
        using var plain = LatentGradient(model, latent, text, GradientCheckpointing.Off, truncated: false);
        foreach (var mode in Modes)
        {
            using var checkpointed = LatentGradient(model, latent, text, mode, truncated: false);
            TensorAssert.Close(checkpointed, plain, atol: 1e-6, rtol: 1e-4, because: $"{mode}, full pass through mid and every up block");
        }
    }

    [Fact]
    public void LoRA_adapter_gradients_on_a_frozen_backbone_are_the_plain_ones_with_checkpointing()
    {
        using var model = TinyDiffusion.Load();
        foreach (var p in model.parameters()) p.requires_grad_(false);
        using var network = LoraNetwork.Create(model, new LoraConfig { Rank = 4 });
        using (no_grad())
        {
            // B starts at zero, which would make every A gradient zero: give both factors content.
            using var g = new Generator(11);
            foreach (var p in network.Parameters()) p.copy_(randn(p.shape, generator: g) * 0.05);
        }
        network.Attach();
        var parameters = network.Parameters().ToList();
        foreach (var p in parameters) p.requires_grad_(true);
        using var latent = TinyDiffusion.MovingBlobLatent(2, size: 8);
        using var text = TinyDiffusion.TextEmbedding();

        var plain = LoraGradients(model, parameters, latent, text, GradientCheckpointing.Off);
        plain.Sum(g => g.abs().sum().item<float>()).Should().BeGreaterThan(0);
        foreach (var mode in Modes)
        {
            var checkpointed = LoraGradients(model, parameters, latent, text, mode);
            for (int i = 0; i < plain.Count; i++)
                TensorAssert.Close(checkpointed[i], plain[i], atol: 1e-6, rtol: 1e-4, because: $"{mode}: LoRA parameter {i} (no network input requires grad)");
            foreach (var t in checkpointed) t.Dispose();
        }
        foreach (var t in plain) t.Dispose();
    }

    [Fact]
    public void Checkpointing_changes_nothing_under_no_grad()
    {
        using var model = TinyDiffusion.Load();
        using var latent = TinyDiffusion.MovingBlobLatent(2, size: 8);
        using var text = TinyDiffusion.TextEmbedding();
        var (plain, plainCalls) = CountedPrediction(model, latent, text, GradientCheckpointing.Off);
        foreach (var mode in Modes)
        {
            var (checkpointed, calls) = CountedPrediction(model, latent, text, mode);
            checkpointed.requires_grad.Should().BeFalse();
            TensorAssert.MaxAbsDiff(checkpointed, plain).Should().Be(0, $"{mode} under no_grad is the plain forward");
            calls.Should().Be(plainCalls, "nothing is recomputed when no graph is recorded");
            checkpointed.Dispose();
        }
        plain.Dispose();
    }

    [Fact]
    public void A_forward_hook_that_rewrites_an_output_is_applied_in_the_recomputation_too()
    {
        using var model = TinyDiffusion.Load();
        using var latent = TinyDiffusion.MovingBlobLatent(2, size: 8);
        using var text = TinyDiffusion.TextEmbedding();
        var conv = model.named_modules().First(m => m.name.StartsWith("down_blocks.0.resnets.0.conv1", StringComparison.Ordinal)).module;
        int calls = 0;
        var hook = ((nn.Module<Tensor, Tensor>)conv).register_forward_hook((_, _, o) =>
        {
            Interlocked.Increment(ref calls);
            return o * 1.5 + 0.1;
        });

        using var plain = LatentGradient(model, latent, text, GradientCheckpointing.Off, truncated: true);
        calls.Should().Be(1);
        foreach (var mode in Modes)
        {
            calls = 0;
            using var checkpointed = LatentGradient(model, latent, text, mode, truncated: true);
            calls.Should().Be(2, $"{mode}: once in the forward, once when the unit is recomputed during backward");
            TensorAssert.Close(checkpointed, plain, atol: 1e-6, rtol: 1e-4, because: $"{mode} with a hook that changes the conv output");
        }
        hook.remove();
    }

    [Fact]
    public void Repeated_checkpointed_steps_do_not_leak_tensors()
    {
        using var model = TinyDiffusion.Load();
        model.GradientCheckpointing = GradientCheckpointing.All;
        using var latent = TinyDiffusion.MovingBlobLatent(2, size: 8);
        using var text = TinyDiffusion.TextEmbedding();
        LatentGradient(model, latent, text, GradientCheckpointing.All, truncated: true).Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = LiveTensors.Count;
        for (int i = 0; i < 3; i++) LatentGradient(model, latent, text, GradientCheckpointing.All, truncated: true).Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        LiveTensors.Count.Should().BeLessThanOrEqualTo(before, "each step's tensors, including the recomputation's, are released");
    }

    [Fact]
    public void An_undefined_mode_is_refused()
    {
        using var model = TinyDiffusion.Load();
        var act = () => model.GradientCheckpointing = (GradientCheckpointing)7;
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("value");
    }

    /// <summary>Gradient of an L1 feature loss (first up block, as the drag step on this two-level model) or of the full prediction, w.r.t. the latent.</summary>
    private static Tensor LatentGradient(UNetMotionModel model, Tensor latent, Tensor text, GradientCheckpointing mode, bool truncated)
    {
        model.GradientCheckpointing = mode;
        try
        {
            using var scope = NewDisposeScope();
            var z = latent.detach().clone().requires_grad_(true);
            Tensor loss;
            if (truncated)
            {
                using var o = model.Forward(z, tensor(601L), text, new[] { 0 }, stopAfterLastFeature: true);
                var f = o.UpBlockFeatures[0];
                loss = (f[.., .., .., 1..] - f[.., .., .., ..^1].detach()).abs().mean();
            }
            else
            {
                loss = model.PredictNoise(z, tensor(601L), text).pow(2).mean();
            }
            loss.backward();
            return z.grad!.detach().clone().MoveToOuterDisposeScope();
        }
        finally
        {
            model.GradientCheckpointing = GradientCheckpointing.Off;
        }
    }

    private static List<Tensor> LoraGradients(UNetMotionModel model, IReadOnlyList<Parameter> parameters, Tensor latent, Tensor text,
        GradientCheckpointing mode)
    {
        model.GradientCheckpointing = mode;
        try
        {
            foreach (var p in parameters) p.grad?.zero_();
            using var scope = NewDisposeScope();
            using var grad = enable_grad();
            var noise = latent * 0.3 + 0.1;
            var loss = nn.functional.mse_loss(model.PredictNoise(latent, tensor(301L), text), noise);
            loss.backward();
            return parameters.Select(p => p.grad!.detach().clone().MoveToOuterDisposeScope()).ToList();
        }
        finally
        {
            model.GradientCheckpointing = GradientCheckpointing.Off;
        }
    }

    private static (Tensor Prediction, int Calls) CountedPrediction(UNetMotionModel model, Tensor latent, Tensor text, GradientCheckpointing mode)
    {
        int calls = 0;
        var removers = model.modules().OfType<Conv2d>().Select(c => c.register_forward_hook((_, _, o) => { calls++; return o; })).ToList();
        model.GradientCheckpointing = mode;
        try
        {
            using var noGrad = no_grad();
            return (model.PredictNoise(latent, tensor(501L), text), calls);
        }
        finally
        {
            model.GradientCheckpointing = GradientCheckpointing.Off;
            foreach (var r in removers) r.remove();
        }
    }
}
