using DragVideo.Tracking.Imaging;
using DragVideo.Tracking.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Tracking.Tests.Flow;

/// <summary>
/// The fused per-level solve must compute the flow the LibTorch formulation computed (<see cref="TorchReferenceFlow"/>):
/// the metrics promise equal values, and the mask propagation and fast backend are tuned on that flow.
/// </summary>
public class FlowLevelSolverTests
{
    private static float MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    private static (Tensor Fused, Tensor Reference) BothFlows(Tensor from, Tensor to, OpticalFlowOptions options, Tensor? initial = null)
    {
        var fused = new PyramidalOpticalFlow(options).Compute(from, to, initial).unsqueeze(0);
        return (fused, TorchReferenceFlow.Compute(options, from, to, initial));
    }

    [Fact]
    public void On_real_footage_the_fused_flow_equals_the_LibTorch_formulation()
    {
        using var scope = NewDisposeScope();
        using var clip = TestImages.LoadVideo("vtest.avi", 4, 320, 240);
        // Frames 0 → 3: walking people move several pixels, the street stays; every level and the fill are exercised.
        var (fused, reference) = BothFlows(clip.Frames[0], clip.Frames[3], new OpticalFlowOptions());
        fused.shape.Should().Equal(1, 2, 240, 320);
        reference.abs().max().item<float>().Should().BeGreaterThan(1f, "the pair must contain real motion for the comparison to mean anything");
        MaxDifference(fused, reference).Should().BeLessThan(2e-3f);
    }

    [Fact]
    public void A_large_rotation_and_zoom_with_odd_sizes_gives_the_same_flow_as_the_LibTorch_formulation()
    {
        using var scope = NewDisposeScope();
        using var src = TestImages.Load("fruits.jpg", 1024, 1024);
        using var clip = SyntheticClips.Render(src, 256, new[] { new Similarity(0, 1, 0, 0), new Similarity(8 * Math.PI / 180, 1.1, 9.5, -6.25) });
        // Odd sizes: every level's last row/column and the vector loops' tails take the scalar paths.
        var from = clip.Frames[0].narrow(1, 3, 201).narrow(2, 5, 187);
        var to = clip.Frames[1].narrow(1, 3, 201).narrow(2, 5, 187);
        var (fused, reference) = BothFlows(from, to, new OpticalFlowOptions { Iterations = 3, WindowSigma = 1.3, FillSigma = 2.2 });
        reference.abs().max().item<float>().Should().BeGreaterThan(5f);
        MaxDifference(fused, reference).Should().BeLessThan(2e-3f);
    }

    [Theory]
    [InlineData(false, 0.0, true)]
    [InlineData(true, 0.0, true)]
    [InlineData(false, 3.0, true)]
    [InlineData(true, 3.0, false)]
    [InlineData(false, 0.0, false)]
    public void With_or_without_median_fill_and_initial_flow_the_result_matches_the_LibTorch_formulation(bool median, double fill, bool withInitial)
    {
        using var scope = NewDisposeScope();
        using var src = TestImages.Load("fruits.jpg", 1024, 1024);
        using var clip = SyntheticClips.Render(src, 96, new[] { new Similarity(0, 1, 0, 0), new Similarity(0, 1, 2.5, -1.25) });
        var initial = torch.full(new long[] { 2, 96, 96 }, -1f);
        var options = new OpticalFlowOptions { MedianFilter = median, FillSigma = fill };
        var (fused, reference) = BothFlows(clip.Frames[0], clip.Frames[1], options, withInitial ? initial : null);
        MaxDifference(fused, reference).Should().BeLessThan(2e-3f);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(17, 9)]
    [InlineData(40, 23)]
    public void Separable_filtering_with_replicate_borders_equals_the_convolution(int h, int w)
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(1, 1, h, w, generator: new torch.Generator(11));
        var taps = ImageOps.GaussianTaps(2.0);
        var reference = ImageOps.SeparableFilter(x, taps);
        var data = x.data<float>().ToArray();
        var rows = new float[h * w];
        var result = new float[h * w];
        PlaneFilters.FilterRows(data, rows, h, w, taps);
        PlaneFilters.FilterColumns(rows, result, h, w, taps);
        MaxDifference(torch.tensor(result, new long[] { 1, 1, h, w }), reference).Should().BeLessThan(1e-5f);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 9)]
    [InlineData(13, 31)]
    public void The_vectorised_median_equals_the_sorted_median_of_each_3x3_neighbourhood(int h, int w)
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(1, 1, h, w, generator: new torch.Generator(5));
        var padded = nn.functional.pad(x, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate);
        var reference = padded.unfold(2, 3, 1).unfold(3, 3, 1).reshape(1, 1, h, w, 9).sort(-1).Values.select(-1, 4);
        var result = new float[h * w];
        PlaneFilters.Median3x3(x.data<float>().ToArray(), result, h, w);
        MaxDifference(torch.tensor(result, new long[] { 1, 1, h, w }), reference).Should().Be(0f);
    }

    [Fact]
    public void Upsampling_doubles_the_vectors_and_interpolates_like_grid_sample()
    {
        using var scope = NewDisposeScope();
        var coarse = torch.randn(1, 2, 5, 7, generator: new torch.Generator(3));
        var data = coarse.data<float>().ToArray();
        var (u, v) = FlowLevelSolver.Upsample(data[..35], data[35..], 5, 7, 10, 13);
        var grid = ImageOps.ToNormalized(ImageOps.PixelGrid(10, 13) * 0.5f, 7, 5);
        var reference = nn.functional.grid_sample(coarse, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: true) * 2f;
        var fused = torch.cat(new[] { torch.tensor(u, new long[] { 1, 1, 10, 13 }), torch.tensor(v, new long[] { 1, 1, 10, 13 }) }, 1);
        MaxDifference(fused, reference).Should().BeLessThan(1e-5f);
    }
}
