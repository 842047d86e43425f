using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace DragVideo.Diffusion.Modules.Vae;

/// <summary>
/// Stable Diffusion's KL autoencoder (diffusers <c>AutoencoderKL</c>, v0.25.1): <c>encoder</c> → <c>quant_conv</c> →
/// <see cref="DiagonalGaussian"/> posterior; <c>post_quant_conv</c> → <c>decoder</c>. State-dict keys equal diffusers'.
/// Images are <c>[N, 3, H, W]</c> in [−1, 1]; latents are <c>[N, 4, H/8, W/8]</c> for SD1.5 (unscaled unless a method
/// says otherwise). Runs in the dtype/device of its parameters (float32 CPU by default).
/// </summary>
public sealed class AutoencoderKL : Module<Tensor, Tensor>
{
    private readonly VaeEncoder encoder;
    private readonly VaeDecoder decoder;
    private readonly Conv2d? quant_conv;
    private readonly Conv2d? post_quant_conv;

    /// <summary>Builds the autoencoder with freshly initialised weights (load real ones with the strict loader).</summary>
    /// <exception cref="ModelLoadException">the configuration is not supported.</exception>
    public AutoencoderKL(AutoencoderKLConfig config) : base(nameof(AutoencoderKL))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        TorchRuntime.EnsureLoaded();
        Config = config;
        encoder = new VaeEncoder(config);
        decoder = new VaeDecoder(config);
        long moments = 2L * config.LatentChannels;
        if (config.UseQuantConv) quant_conv = Conv2d(moments, moments, 1);
        if (config.UsePostQuantConv) post_quant_conv = Conv2d(config.LatentChannels, config.LatentChannels, 1);
        RegisterComponents();
    }

    /// <summary>The configuration.</summary>
    public AutoencoderKLConfig Config { get; }

    /// <summary>Latent scaling factor (SD1.5: 0.18215): diffusion runs on <c>latent · ScalingFactor</c>.</summary>
    public double ScalingFactor => Config.ScalingFactor;

    /// <summary>Latent channels (4).</summary>
    public int LatentChannels => Config.LatentChannels;

    /// <summary>Image-to-latent spatial factor (SD1.5: 8).</summary>
    public int DownsampleFactor => Config.DownsampleFactor;

    /// <summary>
    /// Encodes images <c>[N, 3, H, W]</c> in [−1, 1] (H, W multiples of <see cref="DownsampleFactor"/>) to the posterior;
    /// the input is converted to the parameters' dtype and device first.
    /// </summary>
    /// <exception cref="ArgumentException">wrong rank, channel count or size.</exception>
    public DiagonalGaussian Encode(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        CheckImages(images, nameof(images));
        Tensor moments;
        using (var scope = NewDisposeScope())
        {
            var (dtype, device) = ParameterDtypeAndDevice();
            var h = encoder.call(images.to(dtype, device));
            moments = (quant_conv is null ? h : quant_conv.call(h)).MoveToOuterDisposeScope();
        }
        using (moments) return new DiagonalGaussian(moments);
    }

    /// <summary>
    /// Decodes unscaled latents <c>[N, 4, h, w]</c> to images <c>[N, 3, h·f, w·f]</c> (roughly [−1, 1], not clamped), in
    /// the parameters' dtype and device (the input is converted first).
    /// </summary>
    /// <exception cref="ArgumentException">wrong rank or channel count.</exception>
    public Tensor Decode(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        if (latents.dim() != 4 || latents.shape[1] != LatentChannels)
            throw new ArgumentException($"Latents must be [N, {LatentChannels}, h, w]; got [{string.Join(",", latents.shape)}].", nameof(latents));
        using var scope = NewDisposeScope();
        var (dtype, device) = ParameterDtypeAndDevice();
        var input = latents.to(dtype, device);
        var z = post_quant_conv is null ? input : post_quant_conv.call(input);
        return decoder.call(z).MoveToOuterDisposeScope();
    }

    /// <summary>Reconstruction through the posterior mean: <c>Decode(Encode(x).Mean)</c>.</summary>
    public override Tensor forward(Tensor input)
    {
        using var posterior = Encode(input);
        return Decode(posterior.Mean);
    }

    /// <summary>
    /// Encodes video frames to scaled video latents without gradients, <paramref name="sliceSize"/> frames at a time to
    /// bound memory: frames <c>[F, 3, H, W]</c> or <c>[B, F, 3, H, W]</c> in [0, 1] (the <see cref="VideoClip"/> layout) →
    /// latents <c>[B, 4, F, H/f, W/f]</c> = posterior mean (or a sample when <paramref name="generator"/> is given) ·
    /// <see cref="ScalingFactor"/>, in the VAE's dtype.
    /// </summary>
    /// <exception cref="ArgumentException">wrong shape or a size not divisible by <see cref="DownsampleFactor"/>.</exception>
    /// <exception cref="OperationCanceledException">cancelled between slices.</exception>
    public Tensor EncodeFrames(Tensor frames, int sliceSize = 4, Generator? generator = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfLessThan(sliceSize, 1);
        if (frames.dim() is not (4 or 5))
            throw new ArgumentException($"Frames must be [F, 3, H, W] or [B, F, 3, H, W]; got [{string.Join(",", frames.shape)}].", nameof(frames));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var video = frames.dim() == 4 ? frames.unsqueeze(0) : frames;
        long b = video.shape[0], f = video.shape[1];
        var flat = video.reshape(b * f, video.shape[2], video.shape[3], video.shape[4]);
        CheckImages(flat, nameof(frames));
        var (dtype, device) = ParameterDtypeAndDevice();
        var parts = new List<Tensor>();
        for (long start = 0; start < b * f; start += sliceSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var sliceScope = NewDisposeScope();
            long len = Math.Min(sliceSize, b * f - start);
            var images = flat.narrow(0, start, len).to(dtype, device) * 2.0 - 1.0;
            using var posterior = Encode(images);
            var z = generator is null ? posterior.Mean * ScalingFactor : posterior.Sample(generator) * ScalingFactor;
            parts.Add(z.MoveToOuterDisposeScope());
        }
        var latents = cat(parts, 0);
        return latents.reshape(b, f, latents.shape[1], latents.shape[2], latents.shape[3]).permute(0, 2, 1, 3, 4).contiguous()
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Decodes scaled video latents <c>[B, 4, F, h, w]</c> without gradients, <paramref name="sliceSize"/> frames at a time
    /// to bound memory, to frames <c>[B, F, 3, h·f, w·f]</c> in [0, 1] (clamped), float32 on the CPU — index batch 0 for a
    /// <see cref="VideoClip"/>.
    /// </summary>
    /// <exception cref="ArgumentException">wrong shape.</exception>
    /// <exception cref="OperationCanceledException">cancelled between slices.</exception>
    public Tensor DecodeFrames(Tensor latents, int sliceSize = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentOutOfRangeException.ThrowIfLessThan(sliceSize, 1);
        if (latents.dim() != 5 || latents.shape[1] != LatentChannels)
            throw new ArgumentException($"Latents must be [B, {LatentChannels}, F, h, w]; got [{string.Join(",", latents.shape)}].", nameof(latents));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long b = latents.shape[0], f = latents.shape[2];
        var flat = latents.permute(0, 2, 1, 3, 4).reshape(b * f, latents.shape[1], latents.shape[3], latents.shape[4]);
        var (dtype, device) = ParameterDtypeAndDevice();
        var parts = new List<Tensor>();
        for (long start = 0; start < b * f; start += sliceSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var sliceScope = NewDisposeScope();
            long len = Math.Min(sliceSize, b * f - start);
            var z = flat.narrow(0, start, len).to(dtype, device) / ScalingFactor;
            var images = Decode(z);
            var frames01 = ((images + 1.0) / 2.0).clamp(0.0, 1.0).to(ScalarType.Float32, CPU);
            parts.Add(frames01.MoveToOuterDisposeScope());
        }
        var all = cat(parts, 0);
        return all.reshape(b, f, all.shape[1], all.shape[2], all.shape[3]).MoveToOuterDisposeScope();
    }

    private (ScalarType Dtype, Device Device) ParameterDtypeAndDevice()
    {
        var p = parameters().First();
        return (p.dtype, p.device);
    }

    private void CheckImages(Tensor images, string name)
    {
        if (images.dim() != 4 || images.shape[1] != Config.InChannels)
            throw new ArgumentException($"Images must be [N, {Config.InChannels}, H, W]; got [{string.Join(",", images.shape)}].", name);
        int factor = DownsampleFactor;
        if (images.shape[2] % factor != 0 || images.shape[3] % factor != 0)
            throw new ArgumentException($"Image height and width must be multiples of {factor}; got {images.shape[2]}×{images.shape[3]}.", name);
    }
}
