using DragVideo.Editing.Drag;
using DragVideo.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Drag;

public class MotionSupervisionLossTests
{
    public MotionSupervisionLossTests() => TorchRuntime.EnsureLoaded();

    // Eq. 3 written out directly, without FeaturePatch/grid_sample: explicit floor/ceil bilinear weights over plain indexing,
    // in float64, (2r+1)^2 * mean over channels and the (clipped) patch, plus λ Σ |Δ| (1 − M), all divided by the frame count.
    private static Tensor DirectEq3(Tensor feats, IReadOnlyList<IReadOnlyList<DragPair>> pairs, int r, double lambda,
        Tensor? editedPrev, Tensor? originalPrev, Tensor mask)
    {
        long frames = feats.shape[0], c = feats.shape[1], h = feats.shape[2], w = feats.shape[3];
        Tensor total = zeros(Array.Empty<long>(), dtype: ScalarType.Float64);
        Tensor At(long f, long y, long x) => feats[f, TensorIndex.Colon, Math.Clamp(y, 0, h - 1), Math.Clamp(x, 0, w - 1)];
        for (int f = 0; f < frames; f++)
            foreach (var pair in pairs[f])
            {
                double dx = pair.Target.X - pair.Handle.X, dy = pair.Target.Y - pair.Handle.Y;
                double len = Math.Sqrt(dx * dx + dy * dy);
                if (len < 1) continue;
                dx /= len; dy /= len;
                int cx = (int)Math.Round(pair.Handle.X, MidpointRounding.AwayFromZero), cy = (int)Math.Round(pair.Handle.Y, MidpointRounding.AwayFromZero);
                Tensor sum = zeros(Array.Empty<long>(), dtype: ScalarType.Float64);
                int cells = 0;
                for (int y = cy - r; y <= cy + r; y++)
                    for (int x = cx - r; x <= cx + r; x++)
                    {
                        if (x < 0 || y < 0 || x >= w || y >= h) continue;
                        double sx = Math.Clamp(x + dx, 0, w - 1), sy = Math.Clamp(y + dy, 0, h - 1);
                        long x0 = (long)Math.Floor(sx), y0 = (long)Math.Floor(sy);
                        double ax = sx - x0, ay = sy - y0;
                        var interp = At(f, y0, x0) * ((1 - ax) * (1 - ay)) + At(f, y0, x0 + 1) * (ax * (1 - ay))
                                   + At(f, y0 + 1, x0) * ((1 - ax) * ay) + At(f, y0 + 1, x0 + 1) * (ax * ay);
                        sum = sum + (interp - At(f, y, x).detach()).abs().sum();
                        cells++;
                    }
                total = total + sum / (cells * c) * ((2 * r + 1) * (2 * r + 1));
            }
        if (editedPrev is not null && originalPrev is not null)
        {
            var keep = 1 - mask.permute(1, 0, 2, 3).unsqueeze(0).to_type(ScalarType.Float64);
            total = total + lambda * ((editedPrev - originalPrev.detach()).abs() * keep).sum();
        }
        return total / frames;
    }

    [Fact]
    public void Loss_and_gradient_match_a_direct_computation_of_Eq3()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(7);
        var feats64 = randn(new long[] { 2, 3, 6, 7 }, dtype: ScalarType.Float64, generator: gen);
        var prev64 = randn(new long[] { 1, 4, 2, 3, 3 }, dtype: ScalarType.Float64, generator: gen);
        var orig64 = randn(new long[] { 1, 4, 2, 3, 3 }, dtype: ScalarType.Float64, generator: gen);
        var mask = zeros(2, 1, 3, 3);
        mask[0, 0, 1, 1] = tensor(1f);
        mask[1, 0, TensorIndex.Slice(0, 2), TensorIndex.Colon] = tensor(1f);
        var pairs = new IReadOnlyList<DragPair>[]
        {
            new[] { new DragPair(new(2, 3), new(5.5f, 1.2f)), new DragPair(new(0, 0), new(0.3f, 4f)) },       // second one starts at the corner
            new[] { new DragPair(new(6, 5), new(1, 2)), new DragPair(new(3.4f, 2.6f), new(3.9f, 2.6f)) },    // last one is < 1 px: skipped
        };

        var featsA = feats64.to_type(ScalarType.Float32).detach().requires_grad_(true);
        var prevA = prev64.to_type(ScalarType.Float32).detach().requires_grad_(true);
        var loss = new MotionSupervisionLoss(patchRadius: 1, maskWeight: 0.1, arrivalDistance: 1)
            .ComputeLoss(new DragObjectiveInput(featsA, pairs, prevA, orig64.to_type(ScalarType.Float32), mask));
        loss.backward();

        var featsB = feats64.detach().requires_grad_(true);
        var prevB = prev64.detach().requires_grad_(true);
        var expected = DirectEq3(featsB, pairs, 1, 0.1, prevB, orig64, mask);
        expected.backward();

        loss.item<float>().Should().BeApproximately((float)expected.item<double>(), 1e-5f);
        expected.item<double>().Should().BeGreaterThan(0.1);
        TensorAssert.Close(featsA.grad!, featsB.grad!, 1e-6, 1e-5, "dL/dF");
        TensorAssert.Close(prevA.grad!, prevB.grad!, 1e-6, 1e-5, "dL/dẑ_{t-1}");
        featsB.grad!.abs().sum().item<double>().Should().BeGreaterThan(0);
    }

    [Fact]
    public void Stop_gradient_means_only_the_shifted_patch_receives_gradient()
    {
        using var scope = NewDisposeScope();
        // A horizontal drag by exactly one pixel: q + d lands on integer cells, so the gradient flows only into the
        // column right of the patch's cells (x + 1), never into the anchor cell itself through the detached branch.
        var feats = randn(1, 2, 5, 5).requires_grad_(true);
        var pairs = new IReadOnlyList<DragPair>[] { new[] { new DragPair(new(1, 2), new(4, 2)) } };
        new MotionSupervisionLoss(patchRadius: 0, maskWeight: 0).ComputeLoss(
            new DragObjectiveInput(feats, pairs, null, null, ones(1, 1, 2, 2))).backward();
        var g = feats.grad!.abs().sum(1)[0];
        g[2, 2].item<float>().Should().BeGreaterThan(0, "F(q + d) = F(x=2) is pulled");
        (g.sum().item<float>() - g[2, 2].item<float>()).Should().Be(0, "sg(F(q)) at x=1 gets no gradient");
    }

    [Fact]
    public void Arrived_pairs_and_missing_previous_latents_contribute_nothing()
    {
        using var scope = NewDisposeScope();
        var feats = randn(1, 2, 5, 5).requires_grad_(true);
        var pairs = new IReadOnlyList<DragPair>[] { new[] { new DragPair(new(2, 2), new(2.5f, 2.5f)) } };
        var loss = new MotionSupervisionLoss().ComputeLoss(new DragObjectiveInput(feats, pairs, null, null, zeros(1, 1, 2, 2)));
        loss.item<float>().Should().Be(0);
    }
}
