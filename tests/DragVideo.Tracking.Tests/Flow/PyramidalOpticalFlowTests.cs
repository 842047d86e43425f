using DragVideo.Tracking.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Tracking.Tests.Flow;

public class PyramidalOpticalFlowTests
{
    private const int Size = 256;

    private static double MedianEndPointError(Tensor flow, Func<int, int, (double Dx, double Dy)> truth, int margin)
    {
        var f = flow.contiguous().data<float>().ToArray();
        var errs = new List<double>();
        for (int y = margin; y < Size - margin; y++)
            for (int x = margin; x < Size - margin; x++)
            {
                var (dx, dy) = truth(x, y);
                double ex = f[y * Size + x] - dx, ey = f[Size * Size + y * Size + x] - dy;
                errs.Add(Math.Sqrt(ex * ex + ey * ey));
            }
        errs.Sort();
        return errs[errs.Count / 2];
    }

    [Theory]
    [InlineData(2.3, -1.6)]
    [InlineData(-14.7, 9.2)]
    public void Translation_of_a_photograph_is_recovered_to_a_tenth_of_a_pixel(double tx, double ty)
    {
        using var src = TestImages.Load("baboon.jpg", 1024, 1024);
        using var clip = SyntheticClips.Render(src, Size, new[] { new Similarity(0, 1, 0, 0), new Similarity(0, 1, tx, ty) });
        using var flow = new PyramidalOpticalFlow().Compute(clip.Frames[0], clip.Frames[1]);
        flow.shape.Should().Equal(2, Size, Size);
        // Frame 1 samples the source at p + t, so content at p in frame 0 appears at p − t.
        MedianEndPointError(flow, (_, _) => (-tx, -ty), 16).Should().BeLessThan(0.1);
    }

    [Fact]
    public void Rotation_and_zoom_of_a_photograph_is_recovered_to_a_third_of_a_pixel()
    {
        using var src = TestImages.Load("fruits.jpg", 1024, 1024);
        var m0 = new Similarity(0, 1, 0, 0);
        var m1 = new Similarity(3 * Math.PI / 180, 1.03, 1.5, -0.5);
        using var clip = SyntheticClips.Render(src, Size, new[] { m0, m1 });
        using var flow = new PyramidalOpticalFlow().Compute(clip.Frames[0], clip.Frames[1]);
        MedianEndPointError(flow, (x, y) =>
        {
            var (px, py) = SyntheticClips.Project(x, y, m0, m1, Size);
            return (px - x, py - y);
        }, 16).Should().BeLessThan(0.3);
    }

    [Fact]
    public void Frames_of_different_size_are_rejected_naming_the_argument()
    {
        using var a = torch.rand(3, 32, 32);
        using var b = torch.rand(3, 32, 30);
        var act = () => new PyramidalOpticalFlow().Compute(a, b);
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("to");
    }

    [Fact]
    public void Options_out_of_range_are_rejected()
    {
        var act = () => new PyramidalOpticalFlow(new OpticalFlowOptions { Iterations = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("Iterations");
    }
}
