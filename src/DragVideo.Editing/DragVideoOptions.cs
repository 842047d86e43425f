using DragVideo.Diffusion.Loading;
using DragVideo.Diffusion.Lora;
using DragVideo.Diffusion.Schedulers;
using DragVideo.Editing.Drag;
using DragVideo.Editing.Sampling;
using DragVideo.Tracking;

namespace DragVideo.Editing;

/// <summary>
/// Settings of the DragVideo diffusion editor, one immutable record per concern (replace one with <c>with</c>:
/// <c>o.Drag = o.Drag with { Steps = 20 }</c>). This root is settable so it works with
/// <c>services.AddDragVideo(o => …)</c>; it is validated when the editor is built or the host starts. Defaults are the
/// paper's (Fig. 12) and its released code's, each documented on its property.
/// </summary>
public sealed class DragVideoOptions
{
    /// <summary>
    /// Stable Diffusion 1.5 weights: a diffusers folder or a single-file checkpoint. When null (and no model is given to
    /// the builder), <c>AddDragVideo</c> registers the fast weight-free editor instead.
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>AnimateDiff motion module: a diffusers MotionAdapter folder or an original <c>mm_sd_v15*.ckpt</c>/safetensors.</summary>
    public string? MotionModulePath { get; set; }

    /// <summary>
    /// How <see cref="ModelPath"/> is loaded (pickle opt-in for <c>.ckpt</c> motion modules such as the released code's
    /// <c>v3_sd15_mm.ckpt</c>, dtype, device, single-file settings). <see cref="MotionModulePath"/> overrides its
    /// <c>MotionAdapterPath</c> when set.
    /// </summary>
    public ModelLoadOptions ModelLoading { get; set; } = new();

    /// <summary>Point and mask propagation of the default propagators (§3.3): mask growth radius 10 px (paper Fig. 12), …</summary>
    public PropagationOptions Propagation { get; set; } = new();

    /// <summary>Sample-specific LoRA (§3.2): rank 16, AdamW 5e-4, weight decay 1e-2, 100 steps, 12-frame batches.</summary>
    public LoraTrainingOptions Lora { get; set; } = new();

    /// <summary>Train a LoRA at all (false skips §3.2; an ablation).</summary>
    public bool TrainLora { get; set; } = true;

    /// <summary>
    /// LoRA strength used after training, for inversion, drag and denoising (diffusers' <c>scale</c>; 1 = as trained,
    /// 0 = as if there were no LoRA). Training always runs at 1.
    /// </summary>
    public double LoraScale { get; set; } = 1.0;

    /// <summary>DDIM schedule and inversion strength: 50 steps, 0.75 (the inversion's own options record).</summary>
    public DdimInversionOptions Inversion { get; set; } = new();

    /// <summary>Drag optimisation (§3.4): K = 40, lr 0.01, λ = 0.1, r = 1, r' = 3.</summary>
    public DragOptimizationOptions Drag { get; set; } = new();

    /// <summary>Mutual Self-Attention denoising (§3.5): decoder self-attention from step 0.</summary>
    public MutualSelfAttentionOptions MutualSelfAttention { get; set; } = new();

    /// <summary>Reuse of LoRA weights and inverted latents across edits of the same clip.</summary>
    public EditCacheOptions Cache { get; set; } = new();

    /// <summary>
    /// True (default) uses the video U-Net with its motion modules; false denoises every frame independently with the
    /// image U-Net, the paper's per-frame "DragDiffusion video extension" baseline.
    /// </summary>
    public bool MotionModulesEnabled { get; set; } = true;

    /// <summary>Memory savings: gradient checkpointing (default: whole blocks), attention slicing, half precision on the CPU.</summary>
    public MemoryOptions Memory { get; set; } = new();

    /// <summary>Largest clip (frames) the editor accepts (AnimateDiff's positional table holds 32; the paper edits 12–16).</summary>
    public int MaxFrames { get; set; } = 32;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting (property path in the message).</summary>
    public void Validate()
    {
        Check(nameof(Propagation), () => (Propagation ?? throw new ArgumentNullException(nameof(Propagation))).Validate());
        Check(nameof(Lora), () => (Lora ?? throw new ArgumentNullException(nameof(Lora))).Validate());
        Check(nameof(Inversion), () => (Inversion ?? throw new ArgumentNullException(nameof(Inversion))).Validate());
        if (Inversion.KeepIntermediates) throw new ArgumentException("the editor keeps only the inverted latent; use DdimInversion to keep every step.", "Inversion.KeepIntermediates");
        Check(nameof(Drag), () => (Drag ?? throw new ArgumentNullException(nameof(Drag))).Validate());
        Check(nameof(MutualSelfAttention), () => (MutualSelfAttention ?? throw new ArgumentNullException(nameof(MutualSelfAttention))).Validate());
        Check(nameof(Cache), () => (Cache ?? throw new ArgumentNullException(nameof(Cache))).Validate());
        Check(nameof(Memory), () => (Memory ?? throw new ArgumentNullException(nameof(Memory))).Validate());
        if (ModelLoading is null) throw new ArgumentNullException(nameof(ModelLoading));
        if (Propagation is null) throw new ArgumentNullException(nameof(Propagation));
        if (Propagation.Radius < 0) throw new ArgumentOutOfRangeException("Propagation.Radius", Propagation.Radius, "the mask radius must be 0 or more.");
        if (!double.IsFinite(LoraScale)) throw new ArgumentOutOfRangeException(nameof(LoraScale), LoraScale, "the LoRA scale must be finite.");
        if (MaxFrames < 1) throw new ArgumentOutOfRangeException(nameof(MaxFrames), MaxFrames, "must be at least 1.");
        if (ModelPath is { Length: 0 }) throw new ArgumentException("ModelPath must not be empty (use null for none).", nameof(ModelPath));
        if (MotionModulePath is { Length: 0 }) throw new ArgumentException("MotionModulePath must not be empty (use null for none).", nameof(MotionModulePath));
    }

    /// <summary>
    /// A copy that later changes to this instance do not reach (every section is an immutable record, so a member-wise
    /// copy is complete). Editors keep a snapshot, so their settings cannot change after they are built.
    /// </summary>
    public DragVideoOptions Snapshot() => (DragVideoOptions)MemberwiseClone();

    private static void Check(string section, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{section}.{e.ParamName}: {e.Message}", $"{section}.{e.ParamName}", e);
        }
    }
}
