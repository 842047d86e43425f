using DragVideo.Editing.Fast;
using DragVideo.Editing.Metrics;
using DragVideo.Editing.Tests.Fast;
using DragVideo.Tracking;
using DragVideo.Tracking.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragVideo.Editing.Tests.Metrics;

/// <summary>
/// The metrics' managed flow path (worker threads, no LibTorch) equals the LibTorch formulation it replaced, measure by
/// measure on real frames; and a report on worker threads in chunks equals the report of the same flow called one pair
/// at a time on the calling thread.
/// </summary>
public sealed class HostFlowMeasuresTests
{
    public HostFlowMeasuresTests() => TorchRuntime.EnsureLoaded();

    /// <summary>The built-in flow behind an <see cref="IOpticalFlow"/> the metrics cannot recognise: forces the calling-thread path.</summary>
    private sealed class OpaqueFlow(IOpticalFlow inner) : IOpticalFlow
    {
        public Tensor Compute(Tensor from, Tensor to) => inner.Compute(from, to);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(0)]
    [InlineData(200)] // wider than the frame: every pixel counts, as in the LibTorch formulation
    public void Max_flow_warp_error_and_point_follow_equal_the_LibTorch_formulation_on_real_frames(int margin)
    {
        using var scope = NewDisposeScope();
        using var clip = RealClip.Load();
        var a = clip.Frames[3];
        var b = clip.Frames[4];
        var flow = new PyramidalOpticalFlow().Compute(a, b);
        var uv = HostImage.FromTensor(flow);
        var interior = TorchFlowMeasures.Interior(flow.shape[1], flow.shape[2], margin);

        double torchMax = (flow * flow).sum(dim: 0).sqrt().masked_select(interior).max().item<float>();
        HostFlowMeasures.MaxMagnitude(uv, margin).Should().BeApproximately(torchMax, 1e-5);
        torchMax.Should().BeGreaterThan(0.5, "pedestrians move between these frames, so the comparison is not of zeros");

        double torchError = TorchFlowMeasures.WarpError(a, b, flow, interior);
        HostFlowMeasures.WarpError(HostImage.FromTensor(a), HostImage.FromTensor(b), uv, margin).Should().BeApproximately(torchError, 1e-6);
        torchError.Should().BeGreaterThan(1e-4);

        foreach (var p in new[] { new DragPoint(37.25f, 101.5f), new DragPoint(0, 0), new DragPoint(255, 191), new DragPoint(120.9f, 3.1f) })
        {
            var grid = torch.tensor(new[] { p.X * 2f / 255 - 1f, p.Y * 2f / 191 - 1f }, new long[] { 1, 1, 1, 2 });
            var v = F.grid_sample(flow.unsqueeze(0), grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Border,
                align_corners: true).reshape(2).data<float>().ToArray();
            var followed = HostFlowMeasures.Follow(uv, p);
            followed.X.Should().BeApproximately(p.X + v[0], 1e-4f);
            followed.Y.Should().BeApproximately(p.Y + v[1], 1e-4f);
        }
    }

    [Fact]
    public async Task Built_in_flow_on_worker_threads_reports_what_the_calling_thread_path_reports_across_chunk_boundaries()
    {
        // 16 frames in chunks of 5 (the managed path's copy budget set to five 256×192 frames): pairs (4, 5), (9, 10)
        // and (14, 15) span chunks; stride 3 skips some pairs in each.
        using var clip = RealClip.Load();
        var request = RealClip.ClothRequest();
        using var result = await new FastWarpDragEditor(new StaticPropagator()).EditAsync(clip, request);
        foreach (var options in new[] { EditMetricsOptions.Default, new EditMetricsOptions { FrameStride = 3 } })
        {
            var managed = new EditMetrics(new PyramidalOpticalFlow(), options: options) { HostChunkBytes = 5L * 4 * 3 * RealClip.Width * RealClip.Height }
                .Measure(clip, result.EditedClip, result.Instruction);
            var onCallingThread = new EditMetrics(new OpaqueFlow(new PyramidalOpticalFlow()), options: options).Measure(clip, result.EditedClip, result.Instruction);

            managed.MeasuredPoints.Should().Be(onCallingThread.MeasuredPoints);
            managed.MeanDragDistance.Should().BeApproximately(onCallingThread.MeanDragDistance, 1e-4);
            managed.MaxDragDistance.Should().BeApproximately(onCallingThread.MaxDragDistance, 1e-4);
            managed.FrameDragDistances.Should().Equal(onCallingThread.FrameDragDistances, (x, y) => Math.Abs(x - y) < 1e-4);
            managed.TemporalMaxFlow.Should().BeApproximately(onCallingThread.TemporalMaxFlow, 1e-4);
            managed.OriginalTemporalMaxFlow!.Value.Should().BeApproximately(onCallingThread.OriginalTemporalMaxFlow!.Value, 1e-4);
            managed.WarpError.Should().BeApproximately(onCallingThread.WarpError, 1e-6);
            managed.OriginalWarpError!.Value.Should().BeApproximately(onCallingThread.OriginalWarpError!.Value, 1e-6);
            managed.TemporalMaxFlow.Should().BeGreaterThan(1, "pedestrians walk in vtest.avi");
        }
    }

    [Fact]
    public void Crop_copies_the_window_of_every_channel_and_refuses_one_outside_the_image()
    {
        var data = Enumerable.Range(0, 2 * 4 * 5).Select(i => (float)i).ToArray();
        var image = new HostImage(2, 4, 5, data);
        var crop = image.Crop(1, 2, 3, 2);
        crop.Data.Should().Equal(11, 12, 13, 16, 17, 18, 31, 32, 33, 36, 37, 38);
        var act = () => image.Crop(3, 0, 3, 1);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*window 3×1 at (3, 0)*5×4*");
    }

    [Fact]
    public void Managed_patch_search_finds_what_the_convolution_search_finds_on_real_frames()
    {
        using var scope = NewDisposeScope();
        using var clip = RealClip.Load();
        // A pedestrian's content between frames 2 and 6, and the cloth (static) between frames 0 and 15.
        var cases = new[] { (From: 2, To: 6, Handle: new DragPoint(118.4f, 96.7f)), (From: 0, To: 15, Handle: new DragPoint(40, 170)), (From: 5, To: 9, Handle: new DragPoint(3.5f, 2.25f)) };
        foreach (var (from, to, handle) in cases)
        {
            var a = clip.Frames[from];
            var b = clip.Frames[to];
            var hostA = HostImage.FromTensor(a);
            var hostB = HostImage.FromTensor(b);
            foreach (int radius in new[] { 7, 3 })
            {
                var torchTemplate = TorchPatchLocator.Patch(a, handle, radius);
                var template = PatchLocator.Patch(hostA, handle, radius);
                template.Should().Equal(torchTemplate.contiguous().data<float>().ToArray(), (x, y) => Math.Abs(x - y) < 1e-5f);

                int x0 = (int)handle.X - 20, y0 = (int)handle.Y - 16, x1 = (int)handle.X + 20, y1 = (int)handle.Y + 16;
                var expected = TorchPatchLocator.Search(b, torchTemplate, radius, x0, y0, x1, y1);
                var found = PatchLocator.Search(hostB, template, radius, x0, y0, x1, y1);
                found.Point.DistanceTo(expected.Point).Should().BeLessThan(0.02f, $"frames {from}→{to}, radius {radius}");
                found.Ssd.Should().BeApproximately(expected.Ssd, 1e-3 + 1e-4 * expected.Ssd);

                var at = new DragPoint(found.Point.X + 0.3f, found.Point.Y - 0.6f);
                PatchLocator.SsdAt(hostB, template, at, radius).Should().BeApproximately(TorchPatchLocator.SsdAt(b, torchTemplate, at, radius), 1e-4);
            }
        }
    }
}
