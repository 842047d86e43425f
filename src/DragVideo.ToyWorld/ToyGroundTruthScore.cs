using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.ToyWorld;

/// <summary>
/// How close an edited clip is to a scenario's exact answer: PSNR (dB, [0, 1] range, capped at
/// <see cref="ToyGroundTruthScore.PsnrCap"/>) against <see cref="ToyDragScenario.GroundTruth"/>, inside the editable
/// region of every frame (<see cref="ToyDragScenario.EditableMask"/>) and outside it.
/// </summary>
/// <param name="PsnrInsideMask">PSNR over the editable region (where the object left and arrived).</param>
/// <param name="PsnrOutsideMask">PSNR over the rest (should stay untouched).</param>
/// <param name="InsideFraction">share of pixels (all frames) inside the editable region.</param>
public sealed record ToyGroundTruthScore(double PsnrInsideMask, double PsnrOutsideMask, double InsideFraction)
{
    /// <summary>PSNR reported for an exact match (MSE = 0): 100 dB.</summary>
    public const double PsnrCap = 100;

    /// <summary>Scores <paramref name="edited"/> (same frame count and size as the scenario) against its ground truth.</summary>
    /// <exception cref="ArgumentException">the edited clip's shape differs from the ground truth's.</exception>
    public static ToyGroundTruthScore Compute(ToyDragScenario scenario, VideoClip edited)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(edited);
        var truth = scenario.GroundTruth;
        if (!edited.Frames.shape.SequenceEqual(truth.Frames.shape))
            throw new ArgumentException(
                $"the edited clip is [{string.Join(", ", edited.Frames.shape)}]; the scenario's ground truth is [{string.Join(", ", truth.Frames.shape)}].", nameof(edited));
        using var scope = NewDisposeScope();
        int frames = truth.FrameCount;
        var mask = stack(Enumerable.Range(0, frames).Select(f => scenario.EditableMask(f).ToTensor()).ToArray()).unsqueeze(1); // [F, 1, H, W]
        var squared = (edited.Frames.to(ScalarType.Float32).cpu().clamp(0, 1) - truth.Frames).pow(2).mean(new long[] { 1 }, keepdim: true);
        double inside = mask.sum().item<float>(), total = mask.numel();
        return new ToyGroundTruthScore(
            Psnr((squared * mask).sum().item<float>(), inside),
            Psnr((squared * (1 - mask)).sum().item<float>(), total - inside),
            inside / total);
    }

    private static double Psnr(double sumSquared, double count)
    {
        if (count <= 0) return double.NaN;
        double mse = sumSquared / count;
        return mse <= 0 ? PsnrCap : Math.Min(PsnrCap, -10 * Math.Log10(mse));
    }
}
