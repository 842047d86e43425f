using DragVideo.Diffusion.Modules.Motion;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Unet;

/// <summary>
/// The Stable Diffusion image U-Net (diffusers <c>UNet2DConditionModel</c>, SD1.x family), state-dict keys identical to
/// diffusers'. Predicts the noise ε for latents <c>[B, C, H, W]</c> given timesteps and the text embedding
/// <c>[B, S, D]</c>. Weights float32 on CPU by default.
/// </summary>
public sealed class UNet2DConditionModel : UNetConditionModelBase
{
    /// <summary>Builds the U-Net with freshly initialised weights (load real ones with the Loading namespace).</summary>
    /// <param name="config">architecture (e.g. <see cref="UNet2DConditionConfig.StableDiffusion15"/>).</param>
    /// <param name="device">device for the weights (default CPU).</param>
    /// <param name="dtype">weight dtype (default float32; float16/bfloat16 only make sense on a GPU).</param>
    public UNet2DConditionModel(UNet2DConditionConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(UNet2DConditionModel), config, motion: null)
    {
        Complete(device, dtype);
    }

    /// <summary>
    /// Predicts the noise for <paramref name="sample"/> <c>[B, C, H, W]</c> at <paramref name="timestep"/> (int64 or float
    /// scalar, <c>[1]</c> or <c>[B]</c>) conditioned on <paramref name="encoderHiddenStates"/> <c>[B, S, D]</c>.
    /// Returns <c>[B, C_out, H, W]</c> in the model dtype.
    /// </summary>
    public Tensor PredictNoise(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, int? denoisingStep = null)
    {
        using var scope = NewDisposeScope();
        var (x, t, enc) = Prepare(sample, timestep, encoderHiddenStates);
        var (output, _) = RunFolded(x, t, enc, 1, motionEnabled: false, denoisingStep, null, null);
        return output!.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Runs the U-Net and returns the outputs of the requested up blocks <c>[B, C_i, H_i, W_i]</c>; with
    /// <paramref name="stopAfterLastFeature"/> the pass ends right after the highest requested block and
    /// <see cref="UNetOutput.Sample"/> is null, otherwise it holds the noise prediction <c>[B, C_out, H, W]</c>.
    /// </summary>
    public UNetOutput Forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, IReadOnlyCollection<int> upBlocks,
        bool stopAfterLastFeature, int? denoisingStep = null)
    {
        int last = ValidateUpBlocks(upBlocks);
        using var scope = NewDisposeScope();
        var (x, t, enc) = Prepare(sample, timestep, encoderHiddenStates);
        var (output, features) = RunFolded(x, t, enc, 1, false, denoisingStep, upBlocks, stopAfterLastFeature ? last : null);
        output?.MoveToOuterDisposeScope();
        foreach (var f in features.Values) f.MoveToOuterDisposeScope();
        return new UNetOutput(output, features);
    }

    private (Tensor Sample, Tensor Timesteps, Tensor Encoder) Prepare(Tensor sample, Tensor timestep, Tensor encoderHiddenStates)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(encoderHiddenStates);
        if (sample.dim() != 4 || sample.shape[1] != Config.InChannels)
            throw new ArgumentException($"sample must be [B, {Config.InChannels}, H, W]; got [{string.Join(",", sample.shape)}].", nameof(sample));
        if (encoderHiddenStates.dim() != 3 || encoderHiddenStates.shape[0] != sample.shape[0])
            throw new ArgumentException($"encoderHiddenStates must be [{sample.shape[0]}, S, D]; got [{string.Join(",", encoderHiddenStates.shape)}].", nameof(encoderHiddenStates));
        var x = sample.to(Device).to_type(DType);
        var enc = encoderHiddenStates.to(Device).to_type(DType);
        var t = NormalizeTimesteps(timestep, sample.shape[0], Device);
        return (x, t, enc);
    }
}
