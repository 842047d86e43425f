using DragVideo.Cli.Demo;
using DragVideo.Editing.Metrics;
using DragVideo.Tracking.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Metrics;

public sealed class EditMetricsTests
{
    public EditMetricsTests() => TorchRuntime.EnsureLoaded();

    private static readonly EditMetricsOptions PatchOnly = new() { UseFlowForDragAccuracy = false };

    private static PropagatedInstruction Instruction(int frames, DragPair pair, BinaryMask mask) =>
        new(Enumerable.Range(0, frames).Select(f => new FrameInstruction(f, new[] { pair }, mask, new[] { true }, new[] { 1f })).ToList());

    private static BinaryMask Box(int x0, int y0, int x1, int y1) =>
        BinaryMask.FromFunction(DemoClip.Size, DemoClip.Size, (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1);

    [Fact]
    public void Identical_clips_have_capped_psnr_zero_mae_and_the_full_drag_distance_left()
    {
        using var clip = DemoClip.Build(3);
        var pair = new DragPair(new(100, 100), new(130, 100));
        var report = new EditMetrics(new ConstantFlow(0, 0), options: PatchOnly)
            .Measure(clip, clip, Instruction(3, pair, Box(80, 80, 150, 120)));
        report.PsnrOutsideMask.Should().Be(100);
        report.MaeOutsideMask.Should().Be(0);
        report.OutsideFraction.Should().BeInRange(0.5, 1);
        report.MeanDragDistance.Should().BeApproximately(30, 0.5, "nothing moved, so the content is still at the handle");
        report.MeanInitialDragDistance.Should().BeApproximately(30, 1e-6);
        report.MeasuredPoints.Should().Be(3);
    }

    [Fact]
    public void Content_shifted_onto_the_target_measures_a_near_zero_drag_distance()
    {
        using var clip = DemoClip.Build(2);
        using var shifted = new VideoClip(torch.roll(clip.Frames, shifts: new long[] { 7, 12 }, dims: new long[] { 2, 3 }), clip.Fps);
        var pair = new DragPair(new(100.5f, 90), new(112.5f, 97));
        var report = new EditMetrics(new ConstantFlow(0, 0), options: PatchOnly)
            .Measure(clip, shifted, Instruction(2, pair, BinaryMask.Filled(256, 256, true)));
        report.MeanDragDistance.Should().BeLessThan(0.25);
        report.MaxDragDistance.Should().BeLessThan(0.35);
    }

    [Fact]
    public void A_flow_candidate_that_explains_the_content_better_is_preferred_to_a_window_miss()
    {
        using var clip = DemoClip.Build(2);
        // The content moved by (20, 0) but the pair claims a target 20 px the other way: the search window covers
        // only [handle − margin, target + margin] on the wrong side; the flow knows better.
        using var shifted = new VideoClip(torch.roll(clip.Frames, shifts: new long[] { 20 }, dims: new long[] { 3 }), clip.Fps);
        var pair = new DragPair(new(120, 120), new(100, 120));
        var opts = new EditMetricsOptions { SearchMargin = 4 };
        var report = new EditMetrics(new ConstantFlow(20, 0), options: opts)
            .Measure(clip, shifted, Instruction(2, pair, BinaryMask.Filled(256, 256, true)));
        report.MeanDragDistance.Should().BeApproximately(40, 0.5);
    }

    [Fact]
    public void Psnr_and_mae_outside_the_mask_match_a_known_uniform_error()
    {
        using var scope = NewDisposeScope();
        using var original = new VideoClip(torch.full(2, 3, 32, 32, 0.5f), 8);
        var mask = BinaryMask.FromFunction(32, 32, (x, y) => x < 8 && y < 8);
        var edited = original.Frames.clone();
        edited.add_(0.01f);
        edited[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, 8), TensorIndex.Slice(0, 8)].fill_(1f);
        using var editedClip = new VideoClip(edited, 8);
        var pair = new DragPair(new(2, 2), new(5, 5));
        var report = new EditMetrics(new ConstantFlow(0, 0), options: PatchOnly with { MaskDilation = 0 })
            .Measure(original, editedClip, Instruction(2, pair, mask));
        report.PsnrOutsideMask!.Value.Should().BeApproximately(40, 0.01);
        report.MaeOutsideMask!.Value.Should().BeApproximately(0.01, 1e-5);
        report.OutsideFraction.Should().BeApproximately(1 - 64.0 / 1024, 1e-9);
    }

    [Fact]
    public void Dilation_excludes_the_edge_of_the_mask_from_the_fidelity_measure()
    {
        using var scope = NewDisposeScope();
        using var original = new VideoClip(torch.full(1, 3, 32, 32, 0.5f), 8);
        var edited = original.Frames.clone();
        edited[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, 10), TensorIndex.Slice(0, 10)].fill_(1f); // spills 2 px
        using var editedClip = new VideoClip(edited, 8);
        var mask = BinaryMask.FromFunction(32, 32, (x, y) => x < 8 && y < 8);
        var pair = new DragPair(new(2, 2), new(5, 5));
        var tight = new EditMetrics(new ConstantFlow(0, 0), options: PatchOnly with { MaskDilation = 0 }).Measure(original, editedClip, Instruction(1, pair, mask));
        var grown = new EditMetrics(new ConstantFlow(0, 0), options: PatchOnly with { MaskDilation = 2 }).Measure(original, editedClip, Instruction(1, pair, mask));
        tight.PsnrOutsideMask!.Value.Should().BeLessThan(30);
        grown.PsnrOutsideMask.Should().Be(100);
    }

    [Fact]
    public void Temporal_consistency_is_the_mean_of_the_per_pair_maximum_flow_magnitude()
    {
        using var clip = DemoClip.Build(4);
        var flow = new ConstantFlow(3, 4);
        var report = new EditMetrics(flow, options: PatchOnly).Measure(clip, clip, Instruction(4, new DragPair(new(10, 10), new(20, 10)), Box(0, 0, 40, 40)));
        report.TemporalMaxFlow.Should().BeApproximately(5, 1e-5);
        report.OriginalTemporalMaxFlow.Should().BeApproximately(5, 1e-5);
        report.TemporalMaxFlowRatio.Should().BeApproximately(1, 1e-9);
        flow.Calls.Should().Be(6, "three consecutive pairs in the edited clip and three in the original");
    }

    [Fact]
    public void Warp_error_is_zero_for_a_known_shift_and_its_true_flow_and_positive_for_a_wrong_flow()
    {
        using var scope = NewDisposeScope();
        using var clip = DemoClip.Build(2);
        var a = clip.Frames[0];
        var b = torch.roll(a, shifts: new long[] { 3 }, dims: new long[] { 2 });  // b(x + 3) = a(x)
        var right = new ConstantFlow(3, 0).Compute(a, b);
        var wrong = new ConstantFlow(0, 0).Compute(a, b);
        var (ha, hb) = (HostImage.FromTensor(a), HostImage.FromTensor(b));
        HostFlowMeasures.WarpError(ha, hb, HostImage.FromTensor(right), margin: 0).Should().BeLessThan(1e-6);
        HostFlowMeasures.WarpError(ha, hb, HostImage.FromTensor(wrong), margin: 0).Should().BeGreaterThan(0.01);
    }

    [Fact]
    public void Clip_consistency_is_the_mean_cosine_of_consecutive_embeddings()
    {
        using var scope = NewDisposeScope();
        // Embeddings (1,0), (1,1), (0,1): cosines √½ and √½.
        var frames = torch.zeros(3, 3, 4, 4);
        var report = EditMetrics.ClipConsistency(new FixedEncoder(torch.tensor(new[] { 1f, 0f, 1f, 1f, 0f, 1f }, new long[] { 3, 2 })), frames);
        report.Should().BeApproximately(Math.Sqrt(0.5), 1e-6);
    }

    [Fact]
    public void Clip_consistency_is_reported_only_with_an_encoder()
    {
        using var clip = DemoClip.Build(2);
        var instr = Instruction(2, new DragPair(new(10, 10), new(20, 10)), Box(0, 0, 40, 40));
        new EditMetrics(new ConstantFlow(0, 0), options: PatchOnly).Measure(clip, clip, instr).ClipConsistency.Should().BeNull();
        var withEncoder = new EditMetrics(new ConstantFlow(0, 0), new MeanColourEncoder(), PatchOnly).Measure(clip, clip, instr);
        withEncoder.ClipConsistency.Should().BeApproximately(1, 1e-5);
        withEncoder.OriginalClipConsistency.Should().BeApproximately(1, 1e-5);
    }

    [Fact]
    public void Clips_of_different_sizes_are_rejected()
    {
        using var a = DemoClip.Build(2);
        using var b = DemoClip.Build(3);
        var act = () => new EditMetrics(new ConstantFlow(0, 0)).Measure(a, b, Instruction(2, new DragPair(new(1, 1), new(2, 2)), Box(0, 0, 4, 4)));
        act.Should().Throw<InvalidMediaException>();
    }

    private sealed class FixedEncoder(Tensor embeddings) : IClipImageEncoder
    {
        public Tensor EncodeImages(Tensor frames) => embeddings.clone();
    }

    private sealed class MeanColourEncoder : IClipImageEncoder
    {
        public Tensor EncodeImages(Tensor frames) => frames.mean(new long[] { 2, 3 });
    }
}
