using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Tests.Unet;
using DragVideo.Testing;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Motion;

[Trait("Category", "Parity")]
public sealed class UNetMotionParityTests(ITestOutputHelper output) : IDisposable
{
    private readonly UNetMotionModel _model = TinyUnets.LoadMotion();
    private readonly Dictionary<string, Tensor> _io = TinyUnets.ReadIo("motion", "io.safetensors");

    public void Dispose()
    {
        _model.Dispose();
        foreach (var t in _io.Values) t.Dispose();
    }

    [Fact]
    public void Sample_and_every_hooked_output_match_diffusers()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var recorder = ForwardHooks.Record(_model, TinyUnets.HookedModules(_io));
        var sample = _model.PredictNoise(_io["in.sample"], _io["in.timestep"], _io["in.encoder_hidden_states"]);

        output.WriteLine($"out.sample max |a-b| = {TensorAssert.MaxAbsDiff(sample, _io["out.sample"]):E2}");
        TensorAssert.Close(sample, _io["out.sample"], 1e-4, 1e-4, "out.sample");
        var hooks = TensorAssert.HookedOutputsClose(_io, recorder.Outputs, output.WriteLine);
        hooks.Should().Contain(new[] { "out.hook.time_proj", "out.hook.time_embedding", "out.hook.mid_block.motion_modules.0", "out.hook.up_blocks.1.motion_modules.2" });
    }

    [Fact]
    public void PredictNoise_with_a_scalar_timestep_matches_diffusers()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var output = _model.PredictNoise(_io["in.sample"], tensor(501L), _io["in.encoder_hidden_states"]);
        TensorAssert.Close(output, _io["out.sample"], 1e-4, 1e-4, "PredictNoise");
    }

    [Fact]
    public void Truncated_pass_returns_the_same_up_block_features_as_the_full_pass()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, t, enc) = (_io["in.sample"], _io["in.timestep"], _io["in.encoder_hidden_states"]);
        using var full = _model.Forward(x, t, enc, new[] { 0, 1 }, stopAfterLastFeature: false);
        using var truncated = _model.Forward(x, t, enc, new[] { 0 }, stopAfterLastFeature: true);

        TensorAssert.Close(full.Sample!, _io["out.sample"], 1e-4, 1e-4, "full sample");
        truncated.Sample.Should().BeNull();
        truncated.UpBlockFeatures[0].shape.Should().Equal(1, 64, 8, 16, 16);
        TensorAssert.Close(truncated.UpBlockFeatures[0], full.UpBlockFeatures[0], 0, 0, "truncated vs full up_blocks.0");
        // diffusers' hooks see frames folded into the batch: [B·F, C, h, w] ↔ our [B, C, F, h, w].
        var hook1 = _io["out.hook.up_blocks.1"].reshape(1, 8, 32, 16, 16).permute(0, 2, 1, 3, 4);
        TensorAssert.Close(full.UpBlockFeatures[1], hook1, 1e-4, 1e-4, "up_blocks.1 vs diffusers");
    }
}
