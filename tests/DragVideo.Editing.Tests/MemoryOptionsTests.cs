using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Editing.Tests.Support;
using DragVideo.Testing;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests;

public class MemoryOptionsTests
{
    [Fact]
    public void By_default_the_editor_checkpoints_each_unit_of_a_backbone_that_can()
    {
        using var tiny = new TinyEditor();
        using var backbone = TinyDiffusion.Load();
        using var editor = tiny.Builder(backbone).Build();
        backbone.GradientCheckpointing.Should().Be(GradientCheckpointing.All);
        backbone.AttentionSliceSize.Should().BeNull();
    }

    [Fact]
    public void Explicit_settings_reach_the_backbone()
    {
        using var tiny = new TinyEditor();
        using var backbone = TinyDiffusion.Load();
        using var editor = tiny.Builder(backbone)
            .Configure(o => o.Memory = new MemoryOptions { GradientCheckpointing = GradientCheckpointing.Blocks, AttentionSliceSize = 64 }).Build();
        backbone.GradientCheckpointing.Should().Be(GradientCheckpointing.Blocks);
        backbone.AttentionSliceSize.Should().Be(64);
    }

    [Fact]
    public void Checkpointing_requested_from_a_backbone_that_cannot_is_refused_at_build()
    {
        using var tiny = new TinyEditor();
        using var inner = TinyDiffusion.Load();
        using var epsilon = zeros(1);
        var plain = new ConstantNoiseBackbone(inner, epsilon);
        var build = () => tiny.Builder(plain)
            .Configure(o => o.Memory = new MemoryOptions { GradientCheckpointing = GradientCheckpointing.Blocks }).Build();
        build.Should().Throw<UnsupportedConfigurationException>().Which.Setting.Should().Be("Memory.GradientCheckpointing");

        var slicing = () => tiny.Builder(plain)
            .Configure(o => o.Memory = new MemoryOptions { GradientCheckpointing = GradientCheckpointing.Off, AttentionSliceSize = 128 }).Build();
        slicing.Should().Throw<UnsupportedConfigurationException>().Which.Setting.Should().Be("Memory.AttentionSliceSize");

        using var automatic = tiny.Builder(plain).Build(); // automatic mode: off for such a backbone
    }

    [Fact]
    public void A_half_precision_backbone_on_the_CPU_is_refused_at_build_unless_allowed()
    {
        using var tiny = new TinyEditor();
        using var half = TinyDiffusion.Load(ScalarType.BFloat16);
        var build = () => tiny.Builder(half).Build();
        build.Should().Throw<UnsupportedConfigurationException>().Which.Setting.Should().Be("ModelLoading.DType");
        using var allowed = tiny.Builder(half).Configure(o => o.Memory = new MemoryOptions { AllowHalfPrecisionOnCpu = true }).Build();
    }

    [Fact]
    public void Loading_half_precision_weights_for_the_CPU_is_refused_before_reading_them()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-model-{Guid.NewGuid():N}");
        var build = () => new DragVideoBuilder().UseModelPath(missing)
            .Configure(o => o.ModelLoading = o.ModelLoading with { DType = ScalarType.Float16 }).Build();
        build.Should().Throw<UnsupportedConfigurationException>("the dtype is checked before the (missing) folder is read")
            .Which.Setting.Should().Be("ModelLoading.DType");
    }

    [Fact]
    public void Bad_values_are_refused_by_validation_naming_the_setting()
    {
        var options = new DragVideoOptions { Memory = new MemoryOptions { AttentionSliceSize = 0 } };
        ((Action)options.Validate).Should().Throw<ArgumentException>().WithParameterName("Memory.AttentionSliceSize");
        options.Memory = new MemoryOptions { GradientCheckpointing = (GradientCheckpointing)9 };
        ((Action)options.Validate).Should().Throw<ArgumentException>().WithParameterName("Memory.GradientCheckpointing");
    }
}
