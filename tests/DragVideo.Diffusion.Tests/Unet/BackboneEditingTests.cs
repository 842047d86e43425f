using DragVideo.Diffusion.Modules.Attention;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Tests.Unet;

/// <summary>The editing features of the video backbone: processors by path, truncated passes, motion switch, lifetimes.</summary>
public sealed class BackboneEditingTests : IDisposable
{
    private readonly UNetMotionModel _model = TinyUnets.LoadMotion();

    public void Dispose() => _model.Dispose();

    private static (Tensor Latents, Tensor Text) Inputs(int frames, int size = 8, int seed = 5)
    {
        var g = new Generator((ulong)seed);
        return (randn(new long[] { 1, 4, frames, size, size }, generator: g), randn(new long[] { 1, 77, 32 }, generator: g));
    }

    /// <summary>Delegates to the default processor and records every context it sees.</summary>
    private sealed class RecordingProcessor : IAttentionProcessor
    {
        public List<AttentionContext> Calls { get; } = new();

        public Tensor Process(IAttentionModule attention, Tensor hiddenStates, Tensor? encoderHiddenStates, AttentionContext context)
        {
            Calls.Add(context);
            return ScaledDotProductAttentionProcessor.Instance.Process(attention, hiddenStates, encoderHiddenStates, context);
        }
    }

    [Fact]
    public void Attention_layers_are_listed_in_forward_order_with_paths_kinds_and_per_kind_indices()
    {
        var layers = _model.AttentionLayers;
        // Spatial: down 0 (2 transformers), mid (1), up 1 (3) → 6 × (attn1, attn2). Temporal: 11 motion modules × 2.
        layers.Should().HaveCount(34);
        layers.Count(l => l.Kind == AttentionKind.SpatialSelf).Should().Be(6);
        layers.Count(l => l.Kind == AttentionKind.SpatialCross).Should().Be(6);
        layers.Count(l => l.Kind == AttentionKind.Temporal).Should().Be(22);
        layers[0].Should().Be(new AttentionLayerInfo("down_blocks.0.attentions.0.transformer_blocks.0.attn1", AttentionKind.SpatialSelf, 0, UNetPart.Down));
        layers[1].Should().Be(new AttentionLayerInfo("down_blocks.0.attentions.0.transformer_blocks.0.attn2", AttentionKind.SpatialCross, 0, UNetPart.Down));
        layers[2].Should().Be(new AttentionLayerInfo("down_blocks.0.motion_modules.0.transformer_blocks.0.attn1", AttentionKind.Temporal, 0, UNetPart.Down));
        layers.Should().Contain(new AttentionLayerInfo("mid_block.motion_modules.0.transformer_blocks.0.attn2", AttentionKind.Temporal, 9, UNetPart.Mid));
        layers[^1].Should().Be(new AttentionLayerInfo("up_blocks.1.motion_modules.2.transformer_blocks.0.attn2", AttentionKind.Temporal, 21, UNetPart.Up));
        layers.Select(l => l.Path).Should().OnlyHaveUniqueItems();
        foreach (var kind in Enum.GetValues<AttentionKind>())
            layers.Where(l => l.Kind == kind).Select(l => l.Index).Should().Equal(Enumerable.Range(0, layers.Count(l => l.Kind == kind)));
    }

    [Fact]
    public void A_processor_set_by_path_runs_only_for_that_layer_and_receives_the_step_timestep_and_frame_count()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (latents, text) = Inputs(frames: 3);
        var reference = _model.PredictNoise(latents, tensor(501L), text);

        var spatial = new RecordingProcessor();
        var temporal = new RecordingProcessor();
        const string spatialPath = "up_blocks.1.attentions.2.transformer_blocks.0.attn1";
        const string temporalPath = "mid_block.motion_modules.0.transformer_blocks.0.attn1";
        _model.SetAttentionProcessor(spatialPath, spatial);
        _model.SetAttentionProcessor(temporalPath, temporal);
        _model.GetAttentionProcessor(spatialPath).Should().BeSameAs(spatial);
        _model.GetAttentionProcessor("up_blocks.1.attentions.2.transformer_blocks.0.attn2").Should().BeSameAs(ScaledDotProductAttentionProcessor.Instance);

        var output = _model.PredictNoise(latents, tensor(501L), text, denoisingStep: 7);

        TensorAssert.Close(output, reference, 0, 0, "a delegating processor must not change the result");
        spatial.Calls.Should().ContainSingle().Which.Should().Be(new AttentionContext(
            new AttentionLayerInfo(spatialPath, AttentionKind.SpatialSelf, 5, UNetPart.Up), 7, 501, 3));
        temporal.Calls.Should().ContainSingle().Which.Layer.Kind.Should().Be(AttentionKind.Temporal);
        temporal.Calls[0].Frames.Should().Be(3);
        temporal.Calls[0].DenoisingStep.Should().Be(7);
    }

    [Fact]
    public void Unknown_layer_paths_are_rejected_with_the_path_in_the_message()
    {
        var act = () => _model.SetAttentionProcessor("up_blocks.9.attentions.0.transformer_blocks.0.attn1", ScaledDotProductAttentionProcessor.Instance);
        act.Should().Throw<ArgumentException>().WithMessage("*up_blocks.9.attentions.0*").And.ParamName.Should().Be("layerPath");
        var get = () => _model.GetAttentionProcessor("conv_in");
        get.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void A_truncated_pass_never_runs_the_up_blocks_after_the_last_requested_one()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (latents, text) = Inputs(frames: 2);
        var probe = new RecordingProcessor();
        _model.SetAttentionProcessor("up_blocks.1.attentions.0.transformer_blocks.0.attn1", probe);

        using (var truncated = _model.Forward(latents, tensor(261L), text, new[] { 0 }, stopAfterLastFeature: true))
            truncated.Sample.Should().BeNull();
        probe.Calls.Should().BeEmpty("up_blocks.1 comes after the last requested block");

        using (var full = _model.Forward(latents, tensor(261L), text, new[] { 0 }, stopAfterLastFeature: false))
            full.Sample.Should().NotBeNull();
        probe.Calls.Should().HaveCount(1);
    }

    [Fact]
    public void Requesting_an_up_block_that_does_not_exist_throws()
    {
        var (latents, text) = Inputs(frames: 2);
        var act = () => _model.Forward(latents, tensor(1L), text, new[] { 2 }, stopAfterLastFeature: true);
        act.Should().Throw<ArgumentOutOfRangeException>().And.ParamName.Should().Be("upBlocks");
        latents.Dispose();
        text.Dispose();
    }

    [Fact]
    public void With_motion_modules_disabled_each_frame_is_denoised_independently()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (latents, text) = Inputs(frames: 3);
        var t = tensor(501L);
        var withMotion = _model.PredictNoise(latents, t, text);

        _model.MotionModulesEnabled = false;
        var video = _model.PredictNoise(latents, t, text);
        var middleAlone = _model.PredictNoise(latents[.., .., 1..2], t, text);
        _model.MotionModulesEnabled = true;

        TensorAssert.Close(video[.., .., 1..2], middleAlone, 1e-5, 1e-5, "a frame must not depend on its neighbours without motion modules");
        TensorAssert.MaxAbsDiff(video, withMotion).Should().BeGreaterThan(1e-2, "the motion modules mix frames when enabled");
    }

    [Fact]
    public void Gradients_flow_from_a_truncated_up_block_feature_back_to_the_latents()
    {
        using var scope = NewDisposeScope();
        var (latents, text) = Inputs(frames: 2);
        latents.requires_grad_(true);
        using var output = _model.Forward(latents, tensor(261L), text, new[] { 0 }, stopAfterLastFeature: true);
        output.UpBlockFeatures[0].square().mean().backward();
        latents.grad.Should().NotBeNull();
        latents.grad!.abs().sum().item<float>().Should().BeGreaterThan(0);
    }

    [Fact]
    public void Fifty_forward_passes_leave_the_number_of_live_tensors_unchanged()
    {
        var (latents, text) = Inputs(frames: 2, size: 8);
        var t = tensor(501L);
        using (var warm = _model.PredictNoise(latents, t, text)) { }
        using (var warmOut = _model.Forward(latents, t, text, new[] { 0 }, true)) { }
        long before = LiveTensors.Count;
        using (no_grad())
        {
            for (int i = 0; i < 50; i++)
            {
                if (i % 2 == 0)
                {
                    using var noise = _model.PredictNoise(latents, t, text, denoisingStep: i);
                }
                else
                {
                    using var features = _model.Forward(latents, t, text, new[] { 0, 1 }, stopAfterLastFeature: i % 4 == 1, denoisingStep: i);
                }
            }
        }
        LiveTensors.Count.Should().Be(before);
        latents.Dispose();
        text.Dispose();
        t.Dispose();
    }
}
