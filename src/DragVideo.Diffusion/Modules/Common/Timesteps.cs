using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Common;

/// <summary>
/// diffusers <c>Timesteps</c> (<c>time_proj</c>): the parameter-free sinusoidal timestep embedding of DDPM
/// (<c>get_timestep_embedding</c>). Always computed in float32, as diffusers does, whatever the model dtype.
/// </summary>
internal sealed class Timesteps : nn.Module<Tensor, Tensor>
{
    private readonly int _channels;
    private readonly bool _flipSinToCos;
    private readonly double _downscaleFreqShift;
    private const double MaxPeriod = 10000.0;

    /// <summary>Creates the projection.</summary>
    /// <param name="channels">embedding width (SD1.5: 320).</param>
    /// <param name="flipSinToCos">put the cosine half first (SD1.5: true).</param>
    /// <param name="downscaleFreqShift">frequency shift (SD1.5: 0).</param>
    public Timesteps(int channels, bool flipSinToCos, double downscaleFreqShift) : base(nameof(Timesteps))
    {
        _channels = channels;
        _flipSinToCos = flipSinToCos;
        _downscaleFreqShift = downscaleFreqShift;
        RegisterComponents();
    }

    /// <summary>Embeds timesteps <c>[N]</c> (any numeric dtype) into float32 <c>[N, channels]</c>.</summary>
    public override Tensor forward(Tensor timesteps)
    {
        if (timesteps.dim() != 1)
            throw new ArgumentException($"Timesteps must be a 1-D tensor, got shape [{string.Join(",", timesteps.shape)}].", nameof(timesteps));
        int half = _channels / 2;
        // Same op order as diffusers so float32 rounding matches: -ln(P)·arange / (half − shift), exp, t·freq.
        var exponent = torch.arange(0, half, dtype: ScalarType.Float32, device: timesteps.device) * (-Math.Log(MaxPeriod));
        exponent = exponent / (half - _downscaleFreqShift);
        var freqs = exponent.exp();
        var args = timesteps.unsqueeze(1).to_type(ScalarType.Float32) * freqs.unsqueeze(0);
        var emb = torch.cat(new[] { args.sin(), args.cos() }, dim: -1);
        if (_flipSinToCos)
            emb = torch.cat(new[] { emb[.., half..], emb[.., ..half] }, dim: -1);
        if (_channels % 2 == 1)
            emb = nn.functional.pad(emb, new long[] { 0, 1, 0, 0 });
        return emb;
    }
}
