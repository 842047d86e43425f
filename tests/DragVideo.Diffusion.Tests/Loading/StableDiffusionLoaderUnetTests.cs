using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Loading;

public class StableDiffusionLoaderUnetTests
{
    public StableDiffusionLoaderUnetTests() => TorchRuntime.EnsureLoaded();

    private static readonly MotionAdapterConfig TinyMotionHeads = MotionAdapterConfig.AnimateDiffSd15 with { MotionNumAttentionHeads = 2 };

    internal static ModelLoadOptions SingleFileOptions(string motion) => new()
    {
        OriginalConfigPath = Fixtures.PathOf("single_file", "tiny-sd15.yaml"),
        NormNumGroups = 8, // LDM yaml cannot say it; the fixtures use 8 (README single_file section)
        MotionAdapterPath = motion,
        MotionAdapterConfig = TinyMotionHeads,
        AllowPickle = true,
    };

    private static Tensor RunMotionIo(UNetMotionModel unet)
    {
        var io = SafetensorsReader.Load(Fixtures.PathOf("motion", "io.safetensors"));
        try
        {
            using var _ = torch.no_grad();
            var output = unet.PredictNoise(io["in.sample"], io["in.timestep"], io["in.encoder_hidden_states"]);
            TensorAssert.Close(output, io["out.sample"], 1e-4, 1e-4, "motion U-Net output vs diffusers");
            return output;
        }
        finally
        {
            foreach (var t in io.Values) t.Dispose();
        }
    }

    [Fact]
    [Trait("Category", "Parity")]
    public void A_unet_folder_plus_a_motion_adapter_folder_reproduces_the_diffusers_motion_output()
    {
        using var unet = StableDiffusionLoader.LoadUnet(Fixtures.PathOf("unet2d"),
            new ModelLoadOptions { MotionAdapterPath = Fixtures.PathOf("motion", "motion_adapter") });
        using var output = RunMotionIo(unet);
    }

    [Fact]
    [Trait("Category", "Parity")]
    public void The_single_file_checkpoint_with_the_original_ckpt_motion_module_gives_the_same_unet_as_the_diffusers_folders()
    {
        using var fromFolders = StableDiffusionLoader.LoadUnet(Fixtures.PathOf("unet2d"),
            new ModelLoadOptions { MotionAdapterPath = Fixtures.PathOf("motion", "motion_adapter") });
        using var fromSingle = StableDiffusionLoader.LoadUnet(Fixtures.PathOf("single_file", "tiny-sd15.safetensors"),
            SingleFileOptions(Fixtures.PathOf("motion_ckpt", "tiny_mm_sd_v15_v2.ckpt")));

        fromSingle.Config.NormNumGroups.Should().Be(8);
        fromSingle.Config.HeadsPerBlock.Should().Equal(4, 4);
        var a = fromFolders.state_dict();
        var b = fromSingle.state_dict();
        b.Keys.Should().BeEquivalentTo(a.Keys);
        foreach (var (k, v) in a)
        {
            // pos_embed.pe is not read from the original file (dropped like diffusers does); the module computes it.
            if (k.EndsWith(".pos_embed.pe", StringComparison.Ordinal)) TensorAssert.Close(b[k], v, 1e-6, 0, k);
            else TensorAssert.MaxAbsDiff(b[k], v).Should().Be(0, k);
        }
        using var output = RunMotionIo(fromSingle);
    }

    [Fact]
    public void A_model_without_motion_adapter_or_with_a_missing_component_folder_is_a_typed_error()
    {
        var noMotion = () => StableDiffusionLoader.LoadUnet(Fixtures.PathOf("unet2d"));
        noMotion.Should().Throw<ModelLoadException>().WithMessage("*MotionAdapterPath*");

        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "model_index.json"), "{\"_class_name\":\"StableDiffusionPipeline\"}");
        var noUnet = () => StableDiffusionLoader.LoadUnet(dir.Path, new ModelLoadOptions { MotionAdapterPath = Fixtures.PathOf("motion", "motion_adapter") });
        noUnet.Should().Throw<ModelLoadException>().WithMessage("*no 'unet/' component folder*");

        var nowhere = () => StableDiffusionLoader.LoadUnet(Path.Combine(dir.Path, "absent"));
        nowhere.Should().Throw<ModelLoadException>().WithMessage("*does not exist*");
    }

    [Fact]
    public void A_unet_file_with_a_misshaped_and_a_missing_tensor_is_refused_naming_both()
    {
        using var dir = new TempDir();
        File.Copy(Fixtures.PathOf("unet2d", "config.json"), Path.Combine(dir.Path, "config.json"));
        var weights = SafetensorsReader.Load(Fixtures.PathOf("unet2d", "diffusion_pytorch_model.safetensors"));
        try
        {
            weights["conv_in.weight"].Dispose();
            weights["conv_in.weight"] = torch.zeros(32, 4, 1, 1);
            weights.Remove("conv_out.bias", out var removed);
            removed!.Dispose();
            SafetensorsWriter.Save(Path.Combine(dir.Path, "diffusion_pytorch_model.safetensors"), weights);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
        var act = () => StableDiffusionLoader.LoadUnet(dir.Path, new ModelLoadOptions { MotionAdapterPath = Fixtures.PathOf("motion", "motion_adapter") });
        var ex = act.Should().Throw<ModelLoadException>().Which;
        ex.MismatchedKeys.Should().ContainSingle().Which.Should().Be("conv_in.weight: file [32, 4, 1, 1] vs module [32, 4, 3, 3]");
        ex.MissingKeys.Should().Equal("conv_out.bias");
    }

    [Fact]
    public void A_pickle_motion_module_without_opt_in_is_refused()
    {
        var act = () => StableDiffusionLoader.LoadUnet(Fixtures.PathOf("unet2d"),
            new ModelLoadOptions { MotionAdapterPath = Fixtures.PathOf("motion_ckpt", "tiny_mm_sd_v15_v2.ckpt") });
        act.Should().Throw<ModelLoadException>().WithMessage("*AllowPickle*");
    }
}

public class MotionUnetFolderTests
{
    public MotionUnetFolderTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    [Trait("Category", "Parity")]
    public void A_saved_UNetMotionModel_folder_loads_on_its_own_and_reproduces_the_motion_output()
    {
        using var dir = new TempDir();
        File.Copy(Fixtures.PathOf("motion", "unet_motion", "config.json"), Path.Combine(dir.Path, "config.json"));
        var unet = SafetensorsReader.Load(Fixtures.PathOf("unet2d", "diffusion_pytorch_model.safetensors"));
        var adapter = SafetensorsReader.Load(Fixtures.PathOf("motion", "motion_adapter", "diffusion_pytorch_model.safetensors"));
        try
        {
            SafetensorsWriter.Save(Path.Combine(dir.Path, "diffusion_pytorch_model.safetensors"), unet.Concat(adapter).ToDictionary(kv => kv.Key, kv => kv.Value));
        }
        finally
        {
            foreach (var t in unet.Values.Concat(adapter.Values)) t.Dispose();
        }

        using var model = StableDiffusionLoader.LoadUnet(dir.Path);
        model.MotionConfig.MotionNumAttentionHeads.Should().Be(2);
        var io = SafetensorsReader.Load(Fixtures.PathOf("motion", "io.safetensors"));
        try
        {
            using var _ = torch.no_grad();
            using var output = model.PredictNoise(io["in.sample"], io["in.timestep"], io["in.encoder_hidden_states"]);
            TensorAssert.Close(output, io["out.sample"], 1e-4, 1e-4, "UNetMotionModel folder");
        }
        finally
        {
            foreach (var t in io.Values) t.Dispose();
        }
        ModelChecker.Check(dir.Path).Ok.Should().BeTrue();
    }

    [Fact]
    public void A_folder_holding_another_component_is_not_taken_for_a_unet()
    {
        var act = () => StableDiffusionLoader.LoadUnet(Fixtures.PathOf("vae"), new ModelLoadOptions { MotionAdapterPath = Fixtures.PathOf("motion", "motion_adapter") });
        act.Should().Throw<ModelLoadException>().WithMessage("*AutoencoderKL, not a U-Net*");
    }
}
