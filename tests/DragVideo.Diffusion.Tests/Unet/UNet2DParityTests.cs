using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Testing;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Unet;

[Trait("Category", "Parity")]
public sealed class UNet2DParityTests(ITestOutputHelper output) : IDisposable
{
    private readonly UNet2DConditionModel _model = TinyUnets.LoadUnet2D();
    private readonly Dictionary<string, Tensor> _io = TinyUnets.ReadIo("unet2d", "io.safetensors");

    public void Dispose()
    {
        _model.Dispose();
        foreach (var t in _io.Values) t.Dispose();
    }

    [Fact]
    public void Sample_and_every_hooked_block_output_match_diffusers()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var recorder = ForwardHooks.Record(_model, TinyUnets.HookedModules(_io));
        var sample = _model.PredictNoise(_io["in.sample"], _io["in.timestep"], _io["in.encoder_hidden_states"]);

        output.WriteLine($"out.sample max |a-b| = {TensorAssert.MaxAbsDiff(sample, _io["out.sample"]):E2}");
        TensorAssert.Close(sample, _io["out.sample"], 1e-4, 1e-4, "out.sample");
        var hooks = TensorAssert.HookedOutputsClose(_io, recorder.Outputs, output.WriteLine);
        hooks.Should().Contain(new[] { "out.hook.time_proj", "out.hook.time_embedding", "out.hook.up_blocks.1" });
    }

    [Fact]
    public void Batch_of_one_with_a_scalar_timestep_matches_the_first_reference_item()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var t = tensor(981L);
        var output = _model.PredictNoise(_io["in.sample"][..1], t, _io["in.encoder_hidden_states"][..1]);
        TensorAssert.Close(output, _io["out.sample"][..1], 1e-4, 1e-4, "batch-1 scalar timestep");
    }

    [Fact]
    public void Truncated_pass_returns_the_same_up_block_outputs_as_the_full_pass()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var full = _model.Forward(_io["in.sample"], _io["in.timestep"], _io["in.encoder_hidden_states"], new[] { 0, 1 }, stopAfterLastFeature: false);
        using var truncated = _model.Forward(_io["in.sample"], _io["in.timestep"], _io["in.encoder_hidden_states"], new[] { 0 }, stopAfterLastFeature: true);

        full.Sample.Should().NotBeNull();
        TensorAssert.Close(full.Sample!, _io["out.sample"], 1e-4, 1e-4, "full sample");
        truncated.Sample.Should().BeNull("the pass stopped after up block 0");
        truncated.UpBlockFeatures.Keys.Should().Equal(0);
        TensorAssert.Close(truncated.UpBlockFeatures[0], full.UpBlockFeatures[0], 0, 0, "truncated vs full up_blocks.0");
        TensorAssert.Close(full.UpBlockFeatures[0], _io["out.hook.up_blocks.0"], 1e-4, 1e-4, "up_blocks.0 vs diffusers");
        TensorAssert.Close(full.UpBlockFeatures[1], _io["out.hook.up_blocks.1"], 1e-4, 1e-4, "up_blocks.1 vs diffusers");
    }
}
