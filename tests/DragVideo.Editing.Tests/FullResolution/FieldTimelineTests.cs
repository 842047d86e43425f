using DragVideo.Editing.FullResolution;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.FullResolution;

public sealed class FieldTimelineTests
{
    /// <summary>A field with a square blob of weight 1 and displacement (3, 0) at (x0, y0), anchored at the blob's centre.</summary>
    private static KeyframeField Blob(int sourceIndex, int x0, int y0, int size = 8, int w = 64, int h = 48)
    {
        TorchRuntime.EnsureLoaded();
        var data = torch.zeros(3, h, w);
        data[0, TensorIndex.Slice(y0, y0 + size), TensorIndex.Slice(x0, x0 + size)] = torch.tensor(3f);
        data[2, TensorIndex.Slice(y0, y0 + size), TensorIndex.Slice(x0, x0 + size)] = torch.tensor(1f);
        return new KeyframeField(sourceIndex, data, new DragPoint(x0 + (size - 1) / 2f, y0 + (size - 1) / 2f));
    }

    private static (double X, double Y) WeightCentroid(Tensor field)
    {
        var w = field[2];
        double total = w.sum().item<float>();
        var xs = torch.arange(w.shape[1], dtype: ScalarType.Float32).reshape(1, -1);
        var ys = torch.arange(w.shape[0], dtype: ScalarType.Float32).reshape(-1, 1);
        return ((w * xs).sum().item<float>() / total, (w * ys).sum().item<float>() / total);
    }

    [Fact]
    public void FieldAt_AKeyFrame_ReturnsTheKeyFieldExactly()
    {
        using var timeline = new FieldTimeline(new[] { Blob(0, 10, 10), Blob(10, 30, 10) });
        using var at0 = timeline.FieldAt(0)!;
        using var at10 = timeline.FieldAt(10)!;
        using var expected0 = Blob(0, 10, 10);
        using var expected10 = Blob(10, 30, 10);
        Assert.True(at0.eq(expected0.Data).all().item<bool>());
        Assert.True(at10.eq(expected10.Data).all().item<bool>());
    }

    [Fact]
    public void FieldAt_BetweenKeyFrames_TravelsWithTheContentInsteadOfCrossFading()
    {
        // The dragged content moves 20 px right between frames 0 and 10; halfway, the field must sit halfway (one blob
        // of full weight at x = 20), not as two half-weight blobs at x = 10 and x = 30.
        using var timeline = new FieldTimeline(new[] { Blob(0, 10, 10), Blob(10, 30, 10) });
        using var mid = timeline.FieldAt(5)!;
        var (cx, cy) = WeightCentroid(mid);
        Assert.Equal(20 + 3.5, cx, 1);
        Assert.Equal(13.5, cy, 1);
        Assert.Equal(1f, mid[2, 13, 23].item<float>(), 3);
        Assert.Equal(0f, mid[2, 13, 13].item<float>(), 3);
        Assert.Equal(3f, mid[0, 13, 23].item<float>(), 3);
    }

    [Fact]
    public void FieldAt_FramesWhereNothingChanges_ReturnNull()
    {
        TorchRuntime.EnsureLoaded();
        using var timeline = new FieldTimeline(new[]
        {
            new KeyframeField(0, torch.zeros(3, 16, 16), null), new KeyframeField(4, torch.zeros(3, 16, 16), null),
        });
        Assert.Null(timeline.FieldAt(2));
    }

    [Fact]
    public void Constructor_TwoFieldsForOneFrame_Throws()
    {
        Assert.Throws<ArgumentException>(() => new FieldTimeline(new[] { Blob(3, 0, 0), Blob(3, 10, 10) }));
    }
}
