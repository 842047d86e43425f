namespace DragVideo;

/// <summary>The stages of a drag edit, in pipeline order (paper Fig. 3).</summary>
public enum EditStage
{
    /// <summary>Validating the request and preparing models.</summary>
    Preparing,
    /// <summary>Carrying key-frame points and masks to every frame (§3.3).</summary>
    Propagation,
    /// <summary>Encoding frames to VAE latents.</summary>
    Encoding,
    /// <summary>Sample-specific LoRA training (§3.2, Eq. 1).</summary>
    LoraTraining,
    /// <summary>DDIM inversion to the optimised timestep (§3.4).</summary>
    Inversion,
    /// <summary>Motion-supervision latent optimisation with point tracking (§3.4, Eqs. 2–5).</summary>
    DragOptimization,
    /// <summary>Mutual Self-Attention denoising (§3.5, Eq. 6).</summary>
    Denoising,
    /// <summary>Decoding latents to frames.</summary>
    Decoding,
    /// <summary>Warping frames (fast weight-free backend).</summary>
    Warping,
    /// <summary>Finished.</summary>
    Completed,
}
