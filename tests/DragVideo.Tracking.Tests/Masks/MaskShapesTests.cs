namespace DragVideo.Tracking.Tests.Masks;

public class MaskShapesTests
{
    [Fact]
    public void A_polygon_covers_the_pixel_centres_inside_it()
    {
        var tri = MaskShapes.Polygon(20, 20, new[] { new DragPoint(0, 0), new DragPoint(19, 0), new DragPoint(0, 19) });
        tri[0, 0].Should().BeTrue();
        tri[5, 5].Should().BeTrue();
        tri[15, 15].Should().BeFalse();
        tri.Count.Should().BeInRange(190, 215);
    }

    [Fact]
    public void A_rotated_ellipse_is_symmetric_and_has_the_expected_area()
    {
        var e = MaskShapes.Ellipse(101, 101, new DragPoint(50, 50), 30, 10, MathF.PI / 4);
        e.Count.Should().BeCloseTo((int)(Math.PI * 300), 40);
        e[71, 71].Should().BeTrue();
        e[29, 71].Should().BeFalse();
    }

    [Fact]
    public void A_brush_stroke_paints_a_capsule_around_the_polyline()
    {
        var b = MaskShapes.Brush(60, 30, new[] { new DragPoint(10, 15), new DragPoint(50, 15) }, 4);
        b.Should().Be(BinaryMask.FromFunction(60, 30, (x, y) =>
        {
            float cx = Math.Clamp(x, 10, 50);
            return (x - cx) * (x - cx) + (y - 15) * (y - 15) <= 16;
        }));
    }

    [Fact]
    public void Degenerate_shapes_are_rejected()
    {
        var poly = () => MaskShapes.Polygon(10, 10, new[] { new DragPoint(0, 0), new DragPoint(1, 1) });
        poly.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("vertices");
        var brush = () => MaskShapes.Brush(10, 10, new[] { new DragPoint(1, 1) }, 0);
        brush.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("radius");
    }
}
