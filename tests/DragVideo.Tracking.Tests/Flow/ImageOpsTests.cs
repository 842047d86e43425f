using DragVideo.Tracking.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Tracking.Tests.Flow;

public class SquareMaxTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    public void The_row_then_column_maximum_equals_one_square_max_pool_including_negative_values_at_the_border(int radius)
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(2, 1, 23, 31, generator: new torch.Generator(9)) - 3f;
        var square = nn.functional.max_pool2d(x, kernel_size: 2 * radius + 1, stride: 1, padding: radius);
        var separable = ImageOps.SquareMax(x, radius);
        separable.shape.Should().Equal(square.shape);
        (separable - square).abs().max().item<float>().Should().Be(0f);
    }
}

public class TorchThreadTests
{
    [Fact]
    public void Flow_runs_with_its_thread_setting_and_restores_the_callers()
    {
        using var a = torch.rand(3, 32, 32);
        using var b = torch.rand(3, 32, 32);
        int before = torch.get_num_threads();
        try
        {
            torch.set_num_threads(2);
            using (var f = new PyramidalOpticalFlow(new OpticalFlowOptions { TorchThreads = 1 }).Compute(a, b)) { }
            torch.get_num_threads().Should().Be(2);
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }
}
