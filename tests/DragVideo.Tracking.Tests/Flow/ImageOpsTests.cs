using DragVideo.Tracking.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Tracking.Tests.Flow;

public class ImageOpsTests
{
    [Fact]
    public void The_median_network_equals_the_sorted_median_of_each_3x3_neighbourhood()
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(1, 2, 9, 11, generator: new torch.Generator(7));
        var fast = ImageOps.Median3x3(x);
        var p = nn.functional.pad(x, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate);
        var reference = p.unfold(2, 3, 1).unfold(3, 3, 1).reshape(1, 2, 9, 11, 9).sort(-1).Values.select(-1, 4);
        (fast - reference).abs().max().item<float>().Should().Be(0f);
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
