using DragVideo.Editing.Drag;
using DragVideo.Editing.Tests.Support;
using DragVideo.Testing;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Drag;

public class FeatureWindowsTests
{
    private const int Frame = 32;

    /// <summary>Random up-block outputs <c>[1, C, F, h, w]</c> for blocks 2 and 3 at the given sizes.</summary>
    private static UNetOutput Output(int frames, (int C, int H, int W) block2, (int C, int H, int W) block3, bool grad)
    {
        using var g = new Generator(11);
        var b2 = randn(new long[] { 1, block2.C, frames, block2.H, block2.W }, generator: g).requires_grad_(grad);
        var b3 = randn(new long[] { 1, block3.C, frames, block3.H, block3.W }, generator: g).requires_grad_(grad);
        return new UNetOutput(null, new Dictionary<int, Tensor> { [2] = b2, [3] = b3 });
    }

    [Theory]
    [InlineData(8, 16, 32, 32)]  // 4× and 2× upsampling (SD1.5's blocks at half the frame size)
    [InlineData(6, 12, 29, 23)]  // non-integer ratios, non-square
    [InlineData(16, 16, 12, 12)] // downsampling
    public void Windows_equal_the_dense_resized_map_and_carry_the_same_gradient(int h2, int h3, int featureW, int featureH)
    {
        using var output = Output(3, (5, h2, h2), (3, h3, h3), grad: true);
        var blocks = new[] { 2, 3 };
        using var dense = DragFeatures.FromOutput(output, blocks, featureW, featureH);
        var windows = new FeatureWindows(output, blocks, featureW, featureH);
        foreach (var (f, left, top, cols, rows) in new[] { (0, 0, 0, 5, 4), (1, featureW - 6, featureH - 3, 6, 3), (2, 3, 2, 7, 7), (2, 0, 0, featureW, featureH) })
        {
            using var window = windows.Window(f, left, top, cols, rows);
            using var expected = dense[f].narrow(1, top, rows).narrow(2, left, cols);
            TensorAssert.MaxAbsDiff(window, expected).Should().BeLessThan(2e-6, $"window {cols}×{rows} at ({left}, {top}) of frame {f}");
        }

        // Gradients: the same weighted sum over a window, through the dense map and through the window.
        using var weights = randn(8, 5, 6);
        var b2 = output.UpBlockFeatures[2];
        using (var loss = dense[1].narrow(1, 1, 5).narrow(2, 2, 6).mul(weights).sum()) loss.backward();
        using var denseGrad = b2.grad!.clone();
        b2.grad!.zero_();
        using var again = windows.Window(1, 2, 1, 6, 5);
        using (var loss = again.mul(weights).sum()) loss.backward();
        TensorAssert.MaxAbsDiff(b2.grad!, denseGrad).Should().BeLessThan(1e-5);
        denseGrad.abs().sum().item<float>().Should().BeGreaterThan(0);
    }

    [Fact]
    public void Windows_around_a_point_are_clipped_to_the_map_edge()
    {
        using var output = Output(1, (2, 8, 8), (2, 16, 16), grad: false);
        var windows = new FeatureWindows(output, new[] { 2, 3 }, 16, 16);
        var (inside, l1, t1) = windows.Around(0, new DragPoint(8.4f, 7.6f), 3);
        (l1, t1).Should().Be((5, 5));
        inside.shape.Should().Equal(4, 7, 7);
        var (corner, l2, t2) = windows.Around(0, new DragPoint(0.2f, 15.4f), 3);
        (l2, t2).Should().Be((0, 12));
        corner.shape.Should().Equal(4, 4, 4);
        FluentActions.Invoking(() => windows.Window(0, 14, 0, 3, 1)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
