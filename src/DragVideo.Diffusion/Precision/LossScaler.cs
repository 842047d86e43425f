using static TorchSharp.torch;

namespace DragVideo.Diffusion.Precision;

/// <summary>
/// Dynamic loss scaling for float16 models (what PyTorch's <c>GradScaler</c> does for the released code): the loss is
/// multiplied by a large factor before backward so small float16 gradients do not flush to zero, the float32 master
/// gradients are divided by it before the optimiser step, a step whose gradients overflowed is skipped and the factor
/// halved, and after <see cref="GrowthInterval"/> clean steps the factor doubles. bfloat16 has float32's exponent
/// range and float32 needs nothing, so <see cref="For"/> returns a pass-through scaler for them (plain
/// <c>backward</c> + <c>step</c>, bit for bit).
/// </summary>
public sealed class LossScaler
{
    private int _cleanSteps;

    /// <summary>Creates a scaler.</summary>
    /// <param name="enabled">false: <see cref="Backward"/> and <see cref="Step"/> are plain backward and step.</param>
    /// <param name="initialScale">starting factor (GradScaler: 2¹⁶).</param>
    /// <param name="growthFactor">factor applied after <paramref name="growthInterval"/> clean steps (2).</param>
    /// <param name="backoffFactor">factor applied after an overflow (0.5).</param>
    /// <param name="growthInterval">clean steps before growing (2000).</param>
    /// <exception cref="ArgumentOutOfRangeException">a factor or the interval is out of range.</exception>
    public LossScaler(bool enabled = true, double initialScale = 65536.0, double growthFactor = 2.0, double backoffFactor = 0.5,
        int growthInterval = 2000)
    {
        if (!(initialScale > 0) || !double.IsFinite(initialScale)) throw new ArgumentOutOfRangeException(nameof(initialScale), initialScale, "must be a positive finite number.");
        if (!(growthFactor > 1) || !double.IsFinite(growthFactor)) throw new ArgumentOutOfRangeException(nameof(growthFactor), growthFactor, "must be greater than 1.");
        if (!(backoffFactor > 0 && backoffFactor < 1)) throw new ArgumentOutOfRangeException(nameof(backoffFactor), backoffFactor, "must be in (0, 1).");
        ArgumentOutOfRangeException.ThrowIfLessThan(growthInterval, 1);
        Enabled = enabled;
        Scale = enabled ? initialScale : 1.0;
        GrowthFactor = growthFactor;
        BackoffFactor = backoffFactor;
        GrowthInterval = growthInterval;
    }

    /// <summary>A scaler suited to a model computing in <paramref name="computeDtype"/>: enabled for float16 only.</summary>
    public static LossScaler For(ScalarType computeDtype) => new(enabled: computeDtype == ScalarType.Float16);

    /// <summary>Whether scaling is active.</summary>
    public bool Enabled { get; }

    /// <summary>The current factor (1 when disabled).</summary>
    public double Scale { get; private set; }

    /// <summary>Growth factor.</summary>
    public double GrowthFactor { get; }

    /// <summary>Back-off factor.</summary>
    public double BackoffFactor { get; }

    /// <summary>Clean steps before growing.</summary>
    public int GrowthInterval { get; }

    /// <summary>Steps skipped because their gradients were not finite.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>Back-propagates <paramref name="loss"/> (a float32 scalar) multiplied by <see cref="Scale"/>.</summary>
    public void Backward(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (!Enabled)
        {
            loss.backward();
            return;
        }
        using var scaled = loss.mul(Scale);
        scaled.backward();
    }

    /// <summary>
    /// Unscales the gradients of <paramref name="parameters"/> and runs <paramref name="optimizer"/>'s step when they are
    /// all finite; otherwise skips the step and backs off. Returns whether the step ran.
    /// </summary>
    public bool Step(optim.Optimizer optimizer, IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!Enabled)
        {
            optimizer.step();
            return true;
        }
        bool finite = true;
        using (no_grad())
        {
            foreach (var p in parameters)
            {
                var g = p.grad;
                if (g is null) continue;
                g.div_(Scale);
                if (!g.isfinite().all().item<bool>()) finite = false;
            }
        }
        if (!finite)
        {
            SkippedSteps++;
            _cleanSteps = 0;
            Scale *= BackoffFactor;
            return false;
        }
        optimizer.step();
        if (++_cleanSteps >= GrowthInterval)
        {
            _cleanSteps = 0;
            Scale *= GrowthFactor;
        }
        return true;
    }
}
