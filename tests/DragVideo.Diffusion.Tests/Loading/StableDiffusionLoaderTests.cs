using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Clip;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Loading;

public class StableDiffusionLoaderTests
{
    public StableDiffusionLoaderTests() => TorchRuntime.EnsureLoaded();

    private static void AssertReproducesFixtures(StableDiffusionModel model, double atol = 1e-4)
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var motion = SafetensorsReader.Load(Fixtures.PathOf("motion", "io.safetensors"));
        TensorAssert.Close(model.Unet.PredictNoise(motion["in.sample"], motion["in.timestep"], motion["in.encoder_hidden_states"]),
            motion["out.sample"], atol, 1e-4, "U-Net");
        var vae = SafetensorsReader.Load(Fixtures.PathOf("vae", "io.safetensors"));
        using var posterior = model.Vae.Encode(vae["in.sample"]);
        TensorAssert.Close(posterior.Mean, vae["out.posterior_mean"], atol, 1e-4, "VAE posterior mean");
        TensorAssert.Close(model.Vae.Decode(vae["out.posterior_mean"]), vae["out.decoded_mean"], atol, 1e-4, "VAE decode");
        var clip = SafetensorsReader.Load(Fixtures.PathOf("clip_text", "io.safetensors"));
        TensorAssert.Close(model.TextEncoder.forward(clip["in.input_ids"]), clip["out.last_hidden_state"], atol, 1e-4, "CLIP");
    }

    [Fact]
    [Trait("Category", "Parity")]
    public void A_diffusers_folder_loads_every_component_and_reproduces_the_reference_outputs()
    {
        using var dir = new TempDir();
        var folder = TinyModelFolder.Create(dir);
        using var model = StableDiffusionLoader.Load(folder);
        model.Kind.Should().Be(ModelSourceKind.DiffusersFolder);
        model.Tokenizer.EncodePadded("a photo of a cat").Should().HaveCount(77);
        model.Scheduler.Config.BetaEnd.Should().Be(0.012);
        AssertReproducesFixtures(model);
    }

    [Fact]
    [Trait("Category", "Parity")]
    public void The_single_file_checkpoint_gives_the_same_model_as_the_diffusers_folder()
    {
        var options = StableDiffusionLoaderUnetTests.SingleFileOptions(Fixtures.PathOf("motion_ckpt", "tiny_mm_sd_v15_v2.safetensors")) with
        {
            TokenizerPath = Fixtures.PathOf("tokenizer"),
            TextEncoderConfig = ClipTextConfig.FromJsonFile(Fixtures.PathOf("clip_text", "config.json")),
            AllowPickle = false,
        };
        using var model = StableDiffusionLoader.Load(Fixtures.PathOf("single_file", "tiny-sd15.safetensors"), options);
        model.Kind.Should().Be(ModelSourceKind.SingleFile);
        model.Vae.Config.NormNumGroups.Should().Be(8);
        model.Vae.ScalingFactor.Should().Be(0.18215);
        AssertReproducesFixtures(model);
    }

    [Fact]
    public void A_folder_of_fp16_weights_loads_into_float32_modules()
    {
        using var dir = new TempDir();
        var folder = TinyModelFolder.Create(dir, fp16: true);
        using var model = StableDiffusionLoader.Load(folder);
        var conv = model.Unet.state_dict()["conv_in.weight"];
        conv.dtype.Should().Be(ScalarType.Float32);
        using var reference = SafetensorsFile.Open(Fixtures.PathOf("unet2d", "diffusion_pytorch_model.safetensors"));
        using var original = reference.ReadTensor("conv_in.weight");
        using var rounded = original.to_type(ScalarType.Float16).to_type(ScalarType.Float32);
        TensorAssert.MaxAbsDiff(conv, rounded).Should().Be(0, "fp16 values are widened exactly");
        TensorAssert.MaxAbsDiff(conv, original).Should().BeGreaterThan(0, "the fp16 file was really used");
    }

    [Fact]
    public void Missing_component_folders_are_all_named()
    {
        using var dir = new TempDir();
        var folder = TinyModelFolder.Create(dir);
        Directory.Delete(Path.Combine(folder, "vae"), true);
        Directory.Delete(Path.Combine(folder, "scheduler"), true);
        var act = () => StableDiffusionLoader.Load(folder);
        act.Should().Throw<ModelLoadException>().WithMessage("*vae/, scheduler/*");
    }

    [Fact]
    public void A_truncated_weight_file_in_a_folder_is_a_typed_error()
    {
        using var dir = new TempDir();
        var folder = TinyModelFolder.Create(dir);
        var weights = Path.Combine(folder, "vae", "diffusion_pytorch_model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var act = () => StableDiffusionLoader.Load(folder);
        act.Should().Throw<ModelLoadException>().Which.Path.Should().Be(weights);
    }

    [Fact]
    public void A_single_file_without_tokenizer_is_a_typed_error_saying_what_to_set()
    {
        var act = () => StableDiffusionLoader.Load(Fixtures.PathOf("single_file", "tiny-sd15.safetensors"),
            new ModelLoadOptions { MotionAdapterPath = Fixtures.PathOf("motion", "motion_adapter") });
        act.Should().Throw<ModelLoadException>().WithMessage("*TokenizerPath*");
    }
}
