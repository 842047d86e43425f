using DragVideo.Editing.Fast;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Fast;

public sealed class MovingLeastSquaresTests
{
    public MovingLeastSquaresTests() => TorchRuntime.EnsureLoaded();

    private static Tensor Pts(params float[] xy) => torch.tensor(xy, new long[] { xy.Length / 2, 2 });

    [Theory]
    [InlineData(MlsDeformationKind.Rigid)]
    [InlineData(MlsDeformationKind.Similarity)]
    public void Controls_map_exactly_onto_their_destinations(MlsDeformationKind kind)
    {
        using var scope = NewDisposeScope();
        var from = Pts(10, 10, 50, 20, 30, 60, 80, 80);
        var to = Pts(15, 5, 50, 20, 25, 70, 80, 80);
        var result = MovingLeastSquares.Deform(from, from, to, kind);
        TensorAssert.Close(result, to, atol: 1e-3, rtol: 0);
    }

    [Theory]
    [InlineData(MlsDeformationKind.Rigid)]
    [InlineData(MlsDeformationKind.Similarity)]
    public void Identical_controls_give_the_identity_map(MlsDeformationKind kind)
    {
        using var scope = NewDisposeScope();
        var controls = Pts(10, 10, 50, 20, 30, 60);
        var points = torch.rand(200, 2) * 100f;
        var result = MovingLeastSquares.Deform(points, controls, controls, kind);
        TensorAssert.Close(result, points, atol: 1e-3, rtol: 0);
    }

    [Fact]
    public void Pinned_controls_stay_put_while_a_dragged_control_moves()
    {
        using var scope = NewDisposeScope();
        // One drag (50,50)→(70,50) inside a ring of pins.
        var from = new List<float> { 50, 50 };
        var to = new List<float> { 70, 50 };
        for (int k = 0; k < 16; k++)
        {
            float x = 50 + 40 * MathF.Cos(k * MathF.PI / 8), y = 50 + 40 * MathF.Sin(k * MathF.PI / 8);
            from.Add(x); from.Add(y); to.Add(x); to.Add(y);
        }
        var f = Pts(from.ToArray());
        var result = MovingLeastSquares.Deform(f, f, Pts(to.ToArray()));
        TensorAssert.Close(result[TensorIndex.Slice(1, null)], f[TensorIndex.Slice(1, null)], atol: 1e-3, rtol: 0);
        TensorAssert.Close(result[0], torch.tensor(new[] { 70f, 50f }), atol: 1e-3, rtol: 0);
        // A point between the drag and the pins moves part of the way, in the drag direction.
        var mid = MovingLeastSquares.Deform(Pts(60, 50), f, Pts(to.ToArray()));
        mid[0, 0].item<float>().Should().BeInRange(60.5f, 80f);
    }

    [Fact]
    public void Rigid_deformation_of_rotated_controls_is_that_rotation()
    {
        using var scope = NewDisposeScope();
        var from = Pts(0, 0, 10, 0, 0, 10, -7, 3);
        double a = 0.3;
        var rot = torch.tensor(new[] { (float)Math.Cos(a), (float)Math.Sin(a), -(float)Math.Sin(a), (float)Math.Cos(a) }, new long[] { 2, 2 });
        var to = from.matmul(rot) + torch.tensor(new[] { 5f, -2f });
        var points = torch.rand(50, 2) * 20f - 10f;
        var expected = points.matmul(rot) + torch.tensor(new[] { 5f, -2f });
        TensorAssert.Close(MovingLeastSquares.Deform(points, from, to, MlsDeformationKind.Rigid), expected, atol: 1e-3, rtol: 0);
    }

    [Fact]
    public void Similarity_deformation_of_scaled_controls_is_that_scaling()
    {
        using var scope = NewDisposeScope();
        var from = Pts(0, 0, 10, 0, 0, 10, -7, 3);
        var to = from * 1.5f;
        var points = torch.rand(50, 2) * 20f - 10f;
        TensorAssert.Close(MovingLeastSquares.Deform(points, from, to, MlsDeformationKind.Similarity), points * 1.5f, atol: 1e-3, rtol: 0);
    }

    [Fact]
    public void Mismatched_control_counts_are_rejected_naming_the_argument()
    {
        using var scope = NewDisposeScope();
        var act = () => MovingLeastSquares.Deform(Pts(1, 1), Pts(0, 0, 1, 1), Pts(0, 0));
        act.Should().Throw<ArgumentException>().WithParameterName("to");
    }
}
