using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Vae;

/// <summary>
/// The VAE posterior q(z|x) = N(mean, diag(exp(logvar))) (diffusers <c>DiagonalGaussianDistribution</c>); log-variance
/// clamped to [−30, 20]. Owns its tensors (<c>[N, latent, h, w]</c>, the encoder's dtype); dispose it when done.
/// </summary>
public sealed class DiagonalGaussian : IDisposable
{
    /// <summary>Splits the moments <c>[N, 2·latent, h, w]</c> (mean first, then log-variance).</summary>
    public DiagonalGaussian(Tensor moments)
    {
        ArgumentNullException.ThrowIfNull(moments);
        using var scope = NewDisposeScope();
        var parts = moments.chunk(2, 1);
        Mean = parts[0].contiguous().MoveToOuterDisposeScope();
        LogVar = parts[1].clamp(-30.0, 20.0).MoveToOuterDisposeScope();
        Std = (LogVar * 0.5).exp().MoveToOuterDisposeScope();
    }

    /// <summary>Posterior mean <c>[N, latent, h, w]</c> (what DragDiffusion/DragVideo encode frames to).</summary>
    public Tensor Mean { get; }

    /// <summary>Log-variance, clamped to [−30, 20].</summary>
    public Tensor LogVar { get; }

    /// <summary>Standard deviation exp(logvar / 2).</summary>
    public Tensor Std { get; }

    /// <summary>Variance exp(logvar) (a new tensor).</summary>
    public Tensor Variance() => LogVar.exp();

    /// <summary>Draws mean + std·ε, ε ~ N(0, I) from <paramref name="generator"/> (a new tensor).</summary>
    public Tensor Sample(Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var noise = randn(Mean.shape, dtype: Mean.dtype, device: generator?.device ?? Mean.device, generator: generator).to(Mean.device);
        return (Mean + Std * noise).MoveToOuterDisposeScope();
    }

    /// <summary>The mode (= mean) as a new tensor.</summary>
    public Tensor Mode() => Mean.clone();

    /// <inheritdoc />
    public void Dispose()
    {
        Mean.Dispose();
        LogVar.Dispose();
        Std.Dispose();
    }
}
