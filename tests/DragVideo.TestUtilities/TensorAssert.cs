using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Testing;

/// <summary>Tensor comparisons with informative failure messages.</summary>
public static class TensorAssert
{
    /// <summary>
    /// Asserts <c>|actual − expected| ≤ atol + rtol·|expected|</c> element-wise and equal shapes; the failure message
    /// gives the worst element and the maximum absolute difference.
    /// </summary>
    public static void Close(Tensor actual, Tensor expected, double atol = 1e-4, double rtol = 1e-4, string? because = null)
    {
        using var scope = NewDisposeScope();
        var (diff, e) = Float64Difference(actual, expected, because);
        var allowed = e.abs() * rtol + atol;
        var excess = diff - allowed;
        double worst = excess.max().item<double>();
        if (worst > 0 || double.IsNaN(worst))
        {
            double maxAbs = diff.max().item<double>();
            long idx = excess.flatten().argmax().item<long>();
            throw new Xunit.Sdk.XunitException(
                $"{because}: tensors differ: max |a-b| = {maxAbs:E3} (atol {atol:E1}, rtol {rtol:E1}); worst at flat index {idx}: " +
                $"actual {actual.detach().cpu().flatten()[idx].to_type(ScalarType.Float64).item<double>():G9} vs expected {e.flatten()[idx].item<double>():G9}");
        }
    }

    /// <summary>Maximum absolute difference between two tensors of the same shape.</summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a.detach().to_type(ScalarType.Float64) - b.detach().to_type(ScalarType.Float64)).abs().max().item<double>();
    }

    /// <summary>
    /// Compares every <c>out.hook.&lt;module path&gt;</c> tensor of a fixture's io file with the output captured for that
    /// module path (same tolerance as <see cref="Close"/>); every hook must have been captured. Returns the hook keys.
    /// </summary>
    public static IReadOnlyList<string> HookedOutputsClose(IReadOnlyDictionary<string, Tensor> io, IReadOnlyDictionary<string, Tensor> captured,
        Action<string>? log = null, double atol = 1e-4, double rtol = 1e-4)
    {
        const string prefix = "out.hook.";
        var keys = io.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        foreach (var key in keys)
        {
            string name = key[prefix.Length..];
            if (!captured.TryGetValue(name, out var actual))
                throw new Xunit.Sdk.XunitException($"the hook {name} was not captured");
            log?.Invoke($"{key} max |a-b| = {MaxAbsDiff(actual, io[key]):E2}");
            Close(actual, io[key], atol, rtol, key);
        }
        return keys;
    }

    /// <summary>
    /// Asserts an optimiser trajectory's latent against a reference with an outlier budget (the dragloop fixture's
    /// suggested check): at most <paramref name="maxOutliers"/> elements outside <c>atol + rtol·|expected|</c>, every element
    /// within <paramref name="maxAbs"/>, and a mean absolute difference of at most <paramref name="maxMean"/>. Returns
    /// (max |a−b|, mean |a−b|, outliers).
    /// </summary>
    public static (double Max, double Mean, long Outliers) CloseWithOutliers(Tensor actual, Tensor expected, double atol, double rtol,
        long maxOutliers, double maxAbs, double maxMean, string because)
    {
        using var scope = NewDisposeScope();
        var (diff, e) = Float64Difference(actual, expected, because);
        long outliers = diff.gt(e.abs() * rtol + atol).sum().item<long>();
        double max = diff.max().item<double>(), mean = diff.mean().item<double>();
        if (outliers > maxOutliers || !(max <= maxAbs) || !(mean <= maxMean))
            throw new Xunit.Sdk.XunitException(
                $"{because}: {outliers} elements beyond {atol:E1} + {rtol:E1}·|b| (budget {maxOutliers}), max |a-b| = {max:E3} (limit {maxAbs:E1}), " +
                $"mean |a-b| = {mean:E3} (limit {maxMean:E1})");
        return (max, mean, outliers);
    }

    /// <summary>|actual − expected| and expected, both float64 on the CPU, after checking both exist and share a shape
    /// (created in the caller's dispose scope).</summary>
    private static (Tensor Diff, Tensor Expected) Float64Difference(Tensor actual, Tensor expected, string? because)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(expected);
        if (!actual.shape.SequenceEqual(expected.shape))
            throw new Xunit.Sdk.XunitException($"{because}: shape [{string.Join(",", actual.shape)}] != expected [{string.Join(",", expected.shape)}]");
        var e = expected.detach().to(CPU).to_type(ScalarType.Float64);
        return ((actual.detach().to(CPU).to_type(ScalarType.Float64) - e).abs(), e);
    }
}
