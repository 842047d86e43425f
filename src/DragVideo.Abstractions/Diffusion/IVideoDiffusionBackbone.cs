using static TorchSharp.torch;

namespace DragVideo;

/// <summary>
/// A video noise-prediction network on latents <c>[B, C, F, h, w]</c> (default: SD1.5 U-Net + AnimateDiff motion
/// modules). Built for editing: it can return chosen up-block outputs and stop after the last one needed, and its
/// attention layers are addressable by path so processors (LoRA, Mutual Self-Attention) can be swapped in.
/// </summary>
public interface IVideoDiffusionBackbone
{
    /// <summary>Latent channels expected and predicted (SD1.5: 4).</summary>
    int LatentChannels { get; }

    /// <summary>Number of up (decoder) blocks (SD1.5: 4).</summary>
    int UpBlockCount { get; }

    /// <summary>
    /// When false the temporal motion modules are skipped and frames are denoised independently (the paper's
    /// per-frame "DragDiffusion video extension" baseline). Default true when motion modules are present.
    /// </summary>
    bool MotionModulesEnabled { get; set; }

    /// <summary>Every attention layer, in forward order.</summary>
    IReadOnlyList<AttentionLayerInfo> AttentionLayers { get; }

    /// <summary>Replaces the processor of the layer at <paramref name="layerPath"/>.</summary>
    /// <exception cref="ArgumentException">no attention layer has that path.</exception>
    void SetAttentionProcessor(string layerPath, IAttentionProcessor processor);

    /// <summary>The processor currently set on the layer at <paramref name="layerPath"/>.</summary>
    IAttentionProcessor GetAttentionProcessor(string layerPath);

    /// <summary>Predicts the noise ε for <paramref name="latents"/> <c>[B, C, F, h, w]</c>.</summary>
    /// <param name="latents">noisy latents.</param>
    /// <param name="timestep">int64 scalar or <c>[B]</c>.</param>
    /// <param name="encoderHiddenStates">text embedding <c>[B, 77, D]</c> (shared by all frames).</param>
    /// <param name="denoisingStep">index of the current step for attention processors (null outside a loop).</param>
    Tensor PredictNoise(Tensor latents, Tensor timestep, Tensor encoderHiddenStates, int? denoisingStep = null);

    /// <summary>
    /// Runs the network and returns the outputs of <paramref name="upBlocks"/>. When <paramref name="stopAfterLastFeature"/>
    /// is true the pass stops right after the highest requested up block (no wasted decoder work) and
    /// <see cref="UNetOutput.Sample"/> is null.
    /// </summary>
    UNetOutput Forward(Tensor latents, Tensor timestep, Tensor encoderHiddenStates, IReadOnlyCollection<int> upBlocks,
        bool stopAfterLastFeature, int? denoisingStep = null);
}
