using DragVideo.Diffusion.Loading;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Loading;

public class ModelCheckerTests
{
    public ModelCheckerTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void A_complete_folder_reports_every_component_ok_with_dtypes_and_parameter_counts()
    {
        using var dir = new TempDir();
        var folder = TinyModelFolder.Create(dir, fp16: true);
        var report = ModelChecker.Check(folder);
        report.Ok.Should().BeTrue(string.Join("; ", report.Components.Select(c => $"{c.Component}: {c.Error}")));
        report.Components.Select(c => c.Component).Should().Equal("unet", "vae", "text_encoder", "tokenizer", "scheduler");
        var unet = report.Components[0];
        unet.StoredDTypes.Should().Be("Float16");
        unet.ModuleDType.Should().Be("Float32");
        unet.ParameterCount.Should().BeGreaterThan(1_000_000);
        unet.Notes.Should().Contain(n => n.Contains("motion adapter"));
        report.Components[3].Notes.Single().Should().Contain("vocabulary 49408");
    }

    [Fact]
    public void A_broken_folder_reports_the_missing_component_and_the_misshaped_keys_without_stopping()
    {
        using var dir = new TempDir();
        var folder = TinyModelFolder.Create(dir);
        Directory.Delete(Path.Combine(folder, "vae"), true);
        var textWeights = Path.Combine(folder, "text_encoder", "model.safetensors");
        var tensors = SafetensorsReader.Load(textWeights);
        try
        {
            tensors["text_model.final_layer_norm.weight"].Dispose();
            tensors["text_model.final_layer_norm.weight"] = torch.ones(31);
            tensors["text_model.extra.bias"] = torch.zeros(1);
            SafetensorsWriter.Save(textWeights, tensors);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }

        var report = ModelChecker.Check(folder);
        report.Ok.Should().BeFalse();
        report.Components.Single(c => c.Component == "unet").Ok.Should().BeTrue();
        report.Components.Single(c => c.Component == "vae").Error.Should().Contain("missing");
        var text = report.Components.Single(c => c.Component == "text_encoder");
        text.Mismatched.Should().Equal("text_model.final_layer_norm.weight: file [31] vs module [32]");
        text.Unexpected.Should().Equal("text_model.extra.bias");
        text.ParameterCount.Should().BeGreaterThan(0);
    }

    [Fact]
    public void A_motion_module_file_is_checked_as_an_adapter_and_needs_the_pickle_opt_in()
    {
        var refused = ModelChecker.Check(Fixtures.PathOf("motion_ckpt", "tiny_mm_sd_v15_v2.ckpt"));
        refused.Ok.Should().BeFalse();
        refused.Components.Single().Error.Should().Contain("AllowPickle");

        var report = ModelChecker.Check(Fixtures.PathOf("motion_ckpt", "tiny_mm_sd_v15_v2.ckpt"), new ModelLoadOptions { AllowPickle = true, NormNumGroups = 8 });
        report.Ok.Should().BeTrue(report.Components.Single().Error);
        var adapter = report.Components.Single();
        adapter.Component.Should().Be("motion_adapter");
        adapter.Notes.Should().Contain(n => n.Contains("22 pos_encoder.pe"));
    }

    [Fact]
    public void A_path_that_does_not_exist_is_a_failed_report_not_an_exception()
    {
        var report = ModelChecker.Check("/nonexistent/model");
        report.Ok.Should().BeFalse();
        report.Kind.Should().BeNull();
    }
}
