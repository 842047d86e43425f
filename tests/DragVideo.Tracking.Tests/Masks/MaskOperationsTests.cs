namespace DragVideo.Tracking.Tests.Masks;

public class MaskOperationsTests
{
    [Fact]
    public void Dilating_a_single_pixel_gives_a_Euclidean_disk_of_the_radius()
    {
        var dot = BinaryMask.FromFunction(41, 41, (x, y) => x == 20 && y == 20);
        var disk = MaskOperations.Dilate(dot, 10);
        disk.Should().Be(BinaryMask.FromFunction(41, 41, (x, y) => (x - 20) * (x - 20) + (y - 20) * (y - 20) <= 100));
        dot.Count.Should().Be(1, "inputs are never modified");
    }

    [Fact]
    public void Eroding_a_dilated_disk_gives_back_the_smaller_disk()
    {
        var small = MaskShapes.Ellipse(64, 64, new DragPoint(32, 32), 12, 12);
        var grown = MaskOperations.Dilate(small, 5);
        grown.Count.Should().BeGreaterThan(small.Count);
        MaskOperations.IntersectionOverUnion(MaskOperations.Erode(grown, 5), small).Should().BeGreaterThan(0.97);
    }

    [Fact]
    public void Stretching_along_a_drag_covers_the_swept_region_and_nothing_else()
    {
        var square = MaskShapes.Rectangle(100, 60, 10, 20, 19, 29);
        var swept = MaskOperations.StretchAlong(square, new[] { new DragPair(new DragPoint(15, 25), new DragPoint(45, 25)) });
        swept.Should().Be(MaskShapes.Rectangle(100, 60, 10, 20, 49, 29));
    }

    [Fact]
    public void Small_specks_are_removed_and_small_holes_filled()
    {
        var m = BinaryMask.FromFunction(50, 50, (x, y) =>
            (x >= 10 && x < 30 && y >= 10 && y < 30 && !(x == 20 && y == 20)) || (x == 45 && y == 45));
        var clean = MaskOperations.FillHoles(MaskOperations.RemoveSmallComponents(m, 5), 5);
        clean.Should().Be(MaskShapes.Rectangle(50, 50, 10, 10, 29, 29));
    }

    [Fact]
    public void Masks_of_different_size_cannot_be_combined()
    {
        var act = () => MaskOperations.Union(BinaryMask.Filled(4, 4, true), BinaryMask.Filled(5, 4, true));
        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("b");
    }
}
