using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Diffusion.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Motion;

/// <summary>
/// The AnimateDiff video U-Net (diffusers <c>UNetMotionModel</c> = <c>UNet2DConditionModel</c> + <c>MotionAdapter</c>):
/// the SD image U-Net whose blocks carry temporal <c>motion_modules</c>, on latents <c>[B, C, F, h, w]</c>. Frames are
/// folded into the batch for the spatial layers and the text embedding is shared by all frames of a video. State-dict
/// keys = the image U-Net's keys + the adapter's keys, as in diffusers. Built for editing: <see cref="Forward"/> returns
/// chosen up-block features and can stop right after the last one; attention processors are replaceable per layer path.
/// </summary>
public sealed class UNetMotionModel : UNetConditionModelBase, IMemorySavingBackbone
{
    /// <summary>Builds the video U-Net with freshly initialised weights.</summary>
    /// <param name="unetConfig">the image U-Net's configuration (e.g. <see cref="UNet2DConditionConfig.StableDiffusion15"/>).</param>
    /// <param name="motionConfig">the motion adapter's configuration; null uses diffusers' defaults (8 heads, 32 frames,
    /// mid-block module) at the U-Net's widths.</param>
    /// <param name="device">device for the weights (default CPU).</param>
    /// <param name="dtype">weight dtype (default float32; float16/bfloat16 only make sense on a GPU).</param>
    public UNetMotionModel(UNet2DConditionConfig unetConfig, MotionAdapterConfig? motionConfig = null, Device? device = null,
        ScalarType dtype = ScalarType.Float32)
        : base(nameof(UNetMotionModel), unetConfig, motionConfig ?? DefaultAdapterFor(unetConfig))
    {
        MotionConfig = motionConfig ?? DefaultAdapterFor(unetConfig);
        Complete(device, dtype);
    }

    /// <summary>
    /// Composes the video U-Net from an image U-Net (diffusers' <c>UNetMotionModel.from_unet2d</c>): the new model has
    /// <paramref name="unet"/>'s configuration, device and dtype, every image-U-Net tensor copied in, and freshly
    /// initialised motion modules (load an adapter's weights into them next). <paramref name="unet"/> is not modified.
    /// </summary>
    /// <exception cref="ModelLoadException">an image-U-Net tensor has no counterpart of the same shape (not expected).</exception>
    public static UNetMotionModel FromUNet2D(UNet2DConditionModel unet, MotionAdapterConfig? motionConfig = null)
    {
        ArgumentNullException.ThrowIfNull(unet);
        var model = new UNetMotionModel(unet.Config, motionConfig, unet.Device, unet.DType);
        try
        {
            using var noGrad = no_grad();
            var target = model.state_dict();
            var mismatched = new List<string>();
            foreach (var (key, source) in unet.state_dict())
            {
                if (target.TryGetValue(key, out var dest) && dest.shape.SequenceEqual(source.shape)) dest.copy_(source);
                else mismatched.Add(key);
            }
            if (mismatched.Count > 0)
                throw new ModelLoadException($"{mismatched.Count} image U-Net tensors have no place in the video U-Net: {string.Join(", ", mismatched.Take(10))}",
                    mismatchedKeys: mismatched);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The motion adapter configuration the modules were built from.</summary>
    public MotionAdapterConfig MotionConfig { get; }

    /// <inheritdoc />
    public bool MotionModulesEnabled { get; set; } = true;

    /// <summary>Longest clip (frames) the motion modules' position tables cover.</summary>
    public int MaxFrames => MotionConfig.MotionMaxSeqLength;

    /// <inheritdoc />
    public Tensor PredictNoise(Tensor latents, Tensor timestep, Tensor encoderHiddenStates, int? denoisingStep = null)
    {
        using var scope = NewDisposeScope();
        var (x, t, enc, batch, frames) = Prepare(latents, timestep, encoderHiddenStates);
        var (output, _) = RunFolded(x, t, enc, frames, MotionModulesEnabled, denoisingStep, null, null);
        return Unfold(output!, batch, frames).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public UNetOutput Forward(Tensor latents, Tensor timestep, Tensor encoderHiddenStates, IReadOnlyCollection<int> upBlocks,
        bool stopAfterLastFeature, int? denoisingStep = null)
    {
        int last = ValidateUpBlocks(upBlocks);
        using var scope = NewDisposeScope();
        var (x, t, enc, batch, frames) = Prepare(latents, timestep, encoderHiddenStates);
        var (output, features) = RunFolded(x, t, enc, frames, MotionModulesEnabled, denoisingStep, upBlocks,
            stopAfterLastFeature ? last : null);
        var sample = output is null ? null : Unfold(output, batch, frames).MoveToOuterDisposeScope();
        var unfolded = features.ToDictionary(kv => kv.Key, kv => Unfold(kv.Value, batch, frames).MoveToOuterDisposeScope());
        return new UNetOutput(sample, unfolded);
    }

    private (Tensor Folded, Tensor Timesteps, Tensor Encoder, long Batch, int Frames) Prepare(Tensor latents, Tensor timestep, Tensor encoderHiddenStates)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(encoderHiddenStates);
        if (latents.dim() != 5 || latents.shape[1] != Config.InChannels)
            throw new ArgumentException($"latents must be [B, {Config.InChannels}, F, h, w]; got [{string.Join(",", latents.shape)}].", nameof(latents));
        PrecisionPolicy.RequireFloating(latents, nameof(latents));
        PrecisionPolicy.RequireFloating(encoderHiddenStates, nameof(encoderHiddenStates));
        long batch = latents.shape[0];
        int frames = (int)latents.shape[2];
        if (MotionModulesEnabled && frames > MaxFrames)
            throw new ArgumentException($"{frames} frames exceed the motion modules' maximum of {MaxFrames}.", nameof(latents));
        if (encoderHiddenStates.dim() != 3 || encoderHiddenStates.shape[0] != batch)
            throw new ArgumentException($"encoderHiddenStates must be [{batch}, S, D]; got [{string.Join(",", encoderHiddenStates.shape)}].", nameof(encoderHiddenStates));
        var x = latents.to(Device).to_type(DType);
        // [B, C, F, h, w] → [B·F, C, h, w], frames of a video adjacent.
        var folded = x.permute(0, 2, 1, 3, 4).reshape(batch * frames, x.shape[1], x.shape[3], x.shape[4]);
        var enc = encoderHiddenStates.to(Device).to_type(DType);
        var t = NormalizeTimesteps(timestep, batch, Device);
        return (folded, t, enc, batch, frames);
    }

    private static Tensor Unfold(Tensor folded, long batch, int frames)
        => folded.reshape(batch, frames, folded.shape[1], folded.shape[2], folded.shape[3]).permute(0, 2, 1, 3, 4);

    private static MotionAdapterConfig DefaultAdapterFor(UNet2DConditionConfig unet)
    {
        ArgumentNullException.ThrowIfNull(unet);
        return new MotionAdapterConfig { BlockOutChannels = unet.BlockOutChannels.ToArray(), MotionLayersPerBlock = unet.LayersPerBlock[0] };
    }
}
