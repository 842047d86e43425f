using DragVideo.Tracking.Imaging;
using DragVideo.Tracking.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Tracking.Tests.Flow;

public class FramePyramidTests
{
    private static Tensor AsTensor(HostImage image) =>
        torch.tensor(image.Data, new long[] { 1, image.Channels, image.Height, image.Width });

    [Theory]
    [InlineData(0.0, 37, 53)]
    [InlineData(1.5, 64, 48)]
    [InlineData(0.0, 5, 3)]
    public void Levels_and_gradients_equal_the_LibTorch_pyramid(double preSmooth, int h, int w)
    {
        using var scope = NewDisposeScope();
        var frame = torch.rand(3, h, w, generator: new torch.Generator(21));
        int levels = FramePyramid.LevelCount(w, h, 4, 2);
        var pyramid = FramePyramid.Build(frame, levels, preSmooth);
        pyramid.Count.Should().Be(levels);

        var reference = TorchReferenceFlow.Pyramid(frame, levels, preSmooth);
        for (int l = 0; l < levels; l++)
        {
            var (cur, gx, gy) = (reference.Levels[l], reference.GradX[l], reference.GradY[l]);
            AsTensor(pyramid.Levels[l]).shape.Should().Equal(cur.shape);
            (AsTensor(pyramid.Levels[l]) - cur).abs().max().item<float>().Should().BeLessThan(1e-5f, $"level {l}");
            (AsTensor(pyramid.GradX[l]) - gx).abs().max().item<float>().Should().BeLessThan(1e-5f, $"∂x at level {l}");
            (AsTensor(pyramid.GradY[l]) - gy).abs().max().item<float>().Should().BeLessThan(1e-5f, $"∂y at level {l}");
        }
    }
}
