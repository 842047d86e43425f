using DragVideo.Diffusion.Lora;
using DragVideo.Diffusion.Precision;
using DragVideo.Testing;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Motion;

/// <summary>
/// The half-precision policy's plumbing on the tiny model in bfloat16 on the CPU (bfloat16 compute is slow here, hence
/// the Slow tag on the runs; the checks that refuse bad dtypes run before any half-precision compute).
/// Tolerances: bfloat16 keeps 8 mantissa bits (relative step 2⁻⁸ ≈ 0.4%), and a U-Net pass compounds that to a few
/// percent of the output's scale.
/// </summary>
public class HalfPrecisionPolicyTests(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Slow")]
    public void One_LoRA_step_on_a_bfloat16_model_keeps_float32_adapters_and_agrees_with_float32()
    {
        using var latent = TinyDiffusion.MovingBlobLatent(2, size: 8);
        using var text = TinyDiffusion.TextEmbedding();
        var (lossFull, upFull) = OneLoraStep(ScalarType.Float32, latent, text);
        var (lossHalf, upHalf) = OneLoraStep(ScalarType.BFloat16, latent, text);

        upHalf.dtype.Should().Be(ScalarType.Float32, "LoRA master weights stay float32 on a bfloat16 network");
        double cosine = (upHalf * upFull).sum().item<float>() / (upHalf.norm().item<float>() * upFull.norm().item<float>());
        output.WriteLine($"loss float32 {lossFull:F5}, bfloat16 {lossHalf:F5}; cosine of the updated lora_B weights {cosine:F4}");
        Math.Abs(lossHalf - lossFull).Should().BeLessThan(0.03 * lossFull, "the Eq. 1 loss is computed in float32 from a bfloat16 prediction");
        cosine.Should().BeGreaterThan(0.95, "Adam's first step follows the gradient's signs, which bfloat16 keeps for all but tiny entries");
        upFull.Dispose();
        upHalf.Dispose();
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void One_denoising_step_with_a_bfloat16_model_on_float32_latents_agrees_with_float32()
    {
        using var full = TinyDiffusion.Load();
        using var half = TinyDiffusion.Load(ScalarType.BFloat16);
        var scheduler = TinyDiffusion.Scheduler();
        scheduler.SetTimesteps(50);
        long t = scheduler.Timesteps[20];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var latent = TinyDiffusion.MovingBlobLatent(2, size: 8);
        var text = TinyDiffusion.TextEmbedding();
        var expected = scheduler.Step(full.PredictNoise(latent, tensor(t), text), t, latent).PrevSample;
        var epsHalf = half.PredictNoise(latent, tensor(t), text);
        epsHalf.dtype.Should().Be(ScalarType.BFloat16);
        var actual = scheduler.Step(epsHalf.to_type(ScalarType.Float32), t, latent).PrevSample;

        actual.dtype.Should().Be(ScalarType.Float32, "the latent stays float32 through the scheduler");
        double diff = TensorAssert.MaxAbsDiff(actual, expected);
        output.WriteLine($"DDIM step at t = {t}: max |Δ| = {diff:E2} (latent std {latent.std().item<float>():F3})");
        TensorAssert.Close(actual, expected, atol: 0.05, rtol: 0.02, because: "bfloat16 noise prediction, float32 scheduler arithmetic");
    }

    [Fact]
    public void LoRA_training_refuses_half_precision_adapter_weights_naming_the_parameter()
    {
        using var model = TinyDiffusion.Load();
        using var network = LoraNetwork.Create(model, new LoraConfig { Rank = 2 });
        var (path, layer) = network.Layers.First();
        var (projection, adapter) = layer.Projections.First();
        adapter.to(ScalarType.BFloat16);
        using var latent = TinyDiffusion.MovingBlobLatent(2);
        using var text = TinyDiffusion.TextEmbedding();

        var act = () => new LoraTrainer().Train(model, TinyDiffusion.Scheduler(), network, latent, text,
            new LoraTrainingOptions { Adapters = new LoraConfig { Rank = 2 }, Steps = 1, BatchFrames = 2 });

        act.Should().Throw<ArgumentException>()
            .WithMessage($"*{LoraKeyNames.Down(path, projection)}*BFloat16*float32*");
    }

    [Fact]
    public void A_float16_or_bfloat16_network_gets_float32_LoRA_adapters()
    {
        using var model = TinyDiffusion.Load(ScalarType.Float16);
        using var network = LoraNetwork.Create(model, new LoraConfig { Rank = 2 });
        network.Parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float32);
        using var reloaded = LoraNetwork.FromStateDict(model, network.StateDict());
        reloaded.Parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float32, "loading keeps master weights float32 too");
    }

    [Fact]
    public void Non_floating_latents_or_text_are_refused_naming_the_tensor()
    {
        using var model = TinyDiffusion.Load();
        using var text = TinyDiffusion.TextEmbedding();
        using var intLatent = zeros(new long[] { 1, 4, 2, 16, 16 }, dtype: ScalarType.Int64);
        var act = () => model.PredictNoise(intLatent, tensor(501L), text);
        act.Should().Throw<ArgumentException>().WithParameterName("latents").WithMessage("*floating-point*Int64*");

        using var latent = zeros(new long[] { 1, 4, 2, 16, 16 });
        using var intText = zeros(new long[] { 1, 77, 32 }, dtype: ScalarType.Int32);
        var act2 = () => model.PredictNoise(latent, tensor(501L), intText);
        act2.Should().Throw<ArgumentException>().WithParameterName("encoderHiddenStates");
    }

    [Fact]
    public void Half_precision_on_the_CPU_is_refused_unless_allowed_and_allowed_on_a_GPU()
    {
        var act = () => PrecisionPolicy.EnsureDeviceSupports(ScalarType.Float16, CPU, allowOnCpu: false, "ModelLoading.DType");
        act.Should().Throw<UnsupportedConfigurationException>().Which.Setting.Should().Be("ModelLoading.DType");
        PrecisionPolicy.EnsureDeviceSupports(ScalarType.BFloat16, null, allowOnCpu: true, "ModelLoading.DType");
        PrecisionPolicy.EnsureDeviceSupports(ScalarType.Float16, new Device(DeviceType.CUDA, 0), allowOnCpu: false, "ModelLoading.DType");
        PrecisionPolicy.EnsureDeviceSupports(ScalarType.Float32, CPU, allowOnCpu: false, "ModelLoading.DType");
    }

    private static (double Loss, Tensor Up) OneLoraStep(ScalarType dtype, Tensor latent, Tensor text)
    {
        using var model = TinyDiffusion.Load(dtype);
        using var network = LoraNetwork.Create(model, new LoraConfig { Rank = 4, Seed = 3 });
        var result = new LoraTrainer().Train(model, TinyDiffusion.Scheduler(), network, latent, text,
            new LoraTrainingOptions { Adapters = new LoraConfig { Rank = 4, Seed = 3 }, Steps = 1, BatchFrames = 2, LearningRate = 1e-3, Seed = 5 });
        var up = cat(network.Layers.Values.SelectMany(l => l.Projections.Values).Select(p => p.Up.detach().flatten()).ToList(), 0);
        network.Detach();
        return (result.Losses.Single(), up);
    }
}
