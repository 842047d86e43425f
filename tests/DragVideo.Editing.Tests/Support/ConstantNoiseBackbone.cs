using static TorchSharp.torch;

namespace DragVideo.Editing.Tests.Support;

/// <summary>
/// A backbone whose noise prediction is a fixed tensor (independent of the latent and t): DDIM inversion followed by
/// DDIM denoising is then exact up to rounding, which isolates the pairing of inversion and sampler from model error.
/// Attention layers are the wrapped backbone's (so samplers can install processors).
/// </summary>
internal sealed class ConstantNoiseBackbone(IVideoDiffusionBackbone inner, Tensor epsilon) : IVideoDiffusionBackbone
{
    public int LatentChannels => inner.LatentChannels;
    public int UpBlockCount => inner.UpBlockCount;
    public bool MotionModulesEnabled { get => inner.MotionModulesEnabled; set => inner.MotionModulesEnabled = value; }
    public IReadOnlyList<AttentionLayerInfo> AttentionLayers => inner.AttentionLayers;
    public void SetAttentionProcessor(string layerPath, IAttentionProcessor processor) => inner.SetAttentionProcessor(layerPath, processor);
    public IAttentionProcessor GetAttentionProcessor(string layerPath) => inner.GetAttentionProcessor(layerPath);

    public Tensor PredictNoise(Tensor latents, Tensor timestep, Tensor encoderHiddenStates, int? denoisingStep = null) =>
        epsilon.expand(latents.shape).clone();

    public UNetOutput Forward(Tensor latents, Tensor timestep, Tensor encoderHiddenStates, IReadOnlyCollection<int> upBlocks,
        bool stopAfterLastFeature, int? denoisingStep = null) =>
        new(PredictNoise(latents, timestep, encoderHiddenStates), new Dictionary<int, Tensor>());
}
