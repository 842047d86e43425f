using DragVideo.Editing.Drag;

namespace DragVideo.Editing.Tests.Drag;

/// <summary>The drag instruction is converted once into feature space, and back only for reporting.</summary>
public sealed class FeatureSpaceTests
{
    private static FeatureSpace Space(DragPointMapping mapping, int width = 256, int height = 192) =>
        FeatureSpace.For(width, height, new DragOptimizationOptions { PointMapping = mapping });

    [Fact]
    public void The_feature_size_is_the_options_feature_size_for_the_frame()
    {
        var space = Space(DragPointMapping.PixelCentres);
        (space.FeatureWidth, space.FeatureHeight).Should().Be(new DragOptimizationOptions().FeatureSize(256, 192));
        (space.FeatureWidth, space.FeatureHeight).Should().Be((128, 96), "the default feature scale is one half");
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(255f, 191f)]
    [InlineData(37.25f, 101.5f)]
    [InlineData(128f, 64f)]
    public void Pixel_centre_mapping_round_trips_every_point_in_the_frame(float x, float y)
    {
        var space = Space(DragPointMapping.PixelCentres);
        var feature = space.ToFeature(new DragPoint(x, y), "p");
        var back = space.ToPixel(feature);
        back.X.Should().BeApproximately(x, 1e-4f);
        back.Y.Should().BeApproximately(y, 1e-4f);
        feature.X.Should().BeApproximately((x + 0.5f) * 128 / 256 - 0.5f, 1e-6f);
    }

    [Fact]
    public void Released_mapping_rounds_to_cells_and_round_trips_points_on_the_cell_grid()
    {
        var space = FeatureSpace.For(256, 256, DragOptimizationOptions.ReleasedCode with { FeatureResolution = 64 }); // the dragloop fixture's sup_res
        space.ToFeature(new DragPoint(90, 70), "p").Should().Be(new FeaturePoint(22, 18), "round(90/256·64) = 22, round(70/256·64) = 18 (half to even)");
        space.ToPixel(space.ToFeature(new DragPoint(88, 72), "p")).Should().Be(new DragPoint(88, 72));
        space.ToFeature(new DragPoint(90, 70), "p").AsFeatureDragPoint()
            .Should().Be(DragFeatures.ToFeature(new DragPoint(90, 70), 256, 256, 64, 64, DragPointMapping.ScaleAndRound));
    }

    [Fact]
    public void Converting_an_instruction_keeps_frames_and_pairs_in_order_and_matches_the_per_point_formula()
    {
        var space = Space(DragPointMapping.PixelCentres);
        var frames = new[]
        {
            (IReadOnlyList<DragPair>)new[] { new DragPair(new(10, 20), new(30, 20)), new DragPair(new(100, 50), new(90, 60)) },
            new[] { new DragPair(new(12, 21), new(32, 21)), new DragPair(new(101, 52), new(91, 62)) },
        };
        var converted = space.ToFeaturePairs(frames);
        converted.Should().HaveCount(2);
        for (int f = 0; f < 2; f++)
            for (int j = 0; j < 2; j++)
            {
                converted[f][j].Handle.AsFeatureDragPoint().Should().Be(DragFeatures.ToFeature(frames[f][j].Handle, 256, 192, 128, 96));
                converted[f][j].Target.AsFeatureDragPoint().Should().Be(DragFeatures.ToFeature(frames[f][j].Target, 256, 192, 128, 96));
            }
    }

    [Theory]
    [InlineData(-0.5f, 10f, "frames[1].pairs[0].handle")]
    [InlineData(10f, 192f, "frames[1].pairs[0].handle")]
    [InlineData(float.NaN, 10f, "frames[1].pairs[0].handle")]
    public void A_point_outside_the_frame_is_refused_with_a_typed_error_naming_frame_and_pair(float x, float y, string field)
    {
        var space = Space(DragPointMapping.PixelCentres);
        var frames = new[]
        {
            (IReadOnlyList<DragPair>)new[] { new DragPair(new(10, 20), new(30, 20)) },
            new[] { new DragPair(new(x, y), new(30, 20)) },
        };
        var act = () => space.ToFeaturePairs(frames);
        act.Should().Throw<InvalidDragRequestException>().Which.Field.Should().Be(field);
    }

    [Fact]
    public void An_out_of_range_target_is_named_as_the_target()
    {
        var space = Space(DragPointMapping.ScaleAndRound);
        var act = () => space.ToFeaturePairs(new[] { (IReadOnlyList<DragPair>)new[] { new DragPair(new(10, 20), new(256, 20)) } });
        act.Should().Throw<InvalidDragRequestException>().Which.Field.Should().Be("frames[0].pairs[0].target");
    }

    [Fact]
    public void A_propagated_instruction_becomes_a_feature_instruction_with_its_masks()
    {
        var space = Space(DragPointMapping.PixelCentres, 64, 64);
        var mask = BinaryMask.FromFunction(64, 64, (x, y) => x < 32);
        var instruction = new PropagatedInstruction(new[]
        {
            new FrameInstruction(0, new[] { new DragPair(new(8, 8), new(16, 8)) }, mask, new[] { true }, new[] { 1f }),
            new FrameInstruction(1, new[] { new DragPair(new(9, 8), new(17, 8)) }, mask, new[] { true }, new[] { 0.9f }),
        });
        var feature = FeatureInstruction.From(instruction, space);
        feature.Space.Should().Be(space);
        feature.Masks.Should().Equal(mask, mask);
        feature.Pairs.Select(f => f[0].Handle).Should().Equal(new FeaturePoint(3.75f, 3.75f), new FeaturePoint(4.25f, 3.75f));
    }
}
