using DragVideo.Diffusion.Schedulers;
using DragVideo.Diffusion.Pipeline;

namespace DragVideo.Editing;

/// <summary>
/// The diffusion parts the editor runs on: the video U-Net, the DDIM scheduler, the latent codec (VAE) and the prompt
/// encoder (CLIP), plus a string that identifies the weights for the cache key.
/// </summary>
/// <param name="Backbone">video noise predictor on <c>[B, C, F, h, w]</c> (default: SD1.5 + AnimateDiff).</param>
/// <param name="Scheduler">DDIM scheduler (SD1.5 settings).</param>
/// <param name="Codec">frames ↔ scaled latents.</param>
/// <param name="PromptEncoder">prompt → <c>[1, 77, D]</c>.</param>
/// <param name="ModelIdentity">identifies the weights: the fingerprints of the backbone, codec and prompt encoder (see <see cref="Caching.CacheKey"/>).</param>
public sealed record DiffusionComponents(
    IVideoDiffusionBackbone Backbone,
    DdimScheduler Scheduler,
    ILatentCodec Codec,
    IPromptEncoder PromptEncoder,
    string ModelIdentity);
