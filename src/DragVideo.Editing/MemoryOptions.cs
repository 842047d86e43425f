using DragVideo.Diffusion.Memory;
using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Diffusion.Precision;

namespace DragVideo.Editing;

/// <summary>
/// Memory savings of the diffusion editor (docs/performance.md, "Memory" has the measured cost of each). They change
/// how much is kept during backward and how attention is chunked, not the results (equal to float32 round-off).
/// Applied to the backbone when the editor is built; a backbone that cannot honour them (one that does not implement
/// <see cref="IMemorySavingBackbone"/>) is refused there with <see cref="UnsupportedConfigurationException"/>.
/// </summary>
public sealed record MemoryOptions
{
    /// <summary>
    /// Gradient checkpointing during drag optimisation and LoRA training, or null (default) for automatic:
    /// <see cref="DragVideo.GradientCheckpointing.All"/> (each resnet, transformer and motion module) on a backbone that
    /// supports it, else off. Chosen by measurement (docs/performance.md, "Memory"), SD1.5 width, one 16-frame 256² drag
    /// step in a fresh process: per unit 9.13 GiB, per block 11.18 GiB, plain 18.52 GiB, at the same time per step
    /// (125 / 124 s; 4 frames: 1.36× / 1.29× the plain step). Per-block was the default until each unit got its own dispose scope; before that
    /// a unit's intermediates lived as long as its block and the two modes peaked alike. An explicit mode other than Off
    /// on a backbone without checkpointing is refused at build.
    /// </summary>
    public GradientCheckpointing? GradientCheckpointing { get; init; }

    /// <summary>
    /// Queries per chunk in spatial self-attention, or null for none (default: measured to save nothing with LibTorch's
    /// fused CPU attention, see docs/performance.md). Must be at least 1 when set.
    /// </summary>
    public int? AttentionSliceSize { get; init; }

    /// <summary>
    /// On Linux/glibc, return freed host memory to the OS (<see cref="HostAllocator.ReturnFreedMemory"/>: blocks of
    /// 1 MiB and more are mmap-backed). Default false because the setting is process-wide and permanent. Measured at SD1.5
    /// width, 16 frames 256², checkpointed units: peak RSS 9.13 → 7.65 GiB for 1.14× the time, and the memory is given back
    /// after the step instead of being kept by malloc (docs/performance.md, "Memory"). Applied when the editor is built; a note is
    /// logged where the platform cannot do it.
    /// </summary>
    public bool ReturnFreedHostMemory { get; init; }

    /// <summary>
    /// Allow float16/bfloat16 weights (<c>ModelLoading.DType</c>) on the CPU, where LibTorch computes them hundreds of
    /// times slower than float32. Default false: the builder refuses that combination. For plumbing tests only.
    /// </summary>
    public bool AllowHalfPrecisionOnCpu { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (GradientCheckpointing is { } mode && !Enum.IsDefined(mode))
            throw new ArgumentOutOfRangeException(nameof(GradientCheckpointing), GradientCheckpointing, "unknown gradient checkpointing mode.");
        if (AttentionSliceSize is < 1)
            throw new ArgumentOutOfRangeException(nameof(AttentionSliceSize), AttentionSliceSize, "must be at least 1 query (or null for no slicing).");
    }

    /// <summary>
    /// Applies these settings to <paramref name="backbone"/>, and checks the backbone's precision against its device.
    /// </summary>
    /// <exception cref="UnsupportedConfigurationException">a saving was requested from a backbone without it, or the
    /// backbone computes in half precision on the CPU without <see cref="AllowHalfPrecisionOnCpu"/>.</exception>
    public void ApplyTo(IVideoDiffusionBackbone backbone)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (backbone is IMemorySavingBackbone saving)
        {
            saving.GradientCheckpointing = GradientCheckpointing ?? DragVideo.GradientCheckpointing.All;
            saving.AttentionSliceSize = AttentionSliceSize;
        }
        else if (GradientCheckpointing is { } mode && mode != DragVideo.GradientCheckpointing.Off)
        {
            throw new UnsupportedConfigurationException("Memory.GradientCheckpointing",
                $"the backbone {backbone.GetType().Name} cannot recompute activations (it does not implement IMemorySavingBackbone); set it to Off.");
        }
        else if (AttentionSliceSize is not null)
        {
            throw new UnsupportedConfigurationException("Memory.AttentionSliceSize",
                $"the backbone {backbone.GetType().Name} cannot slice attention (it does not implement IMemorySavingBackbone); set it to null.");
        }
        if (backbone is UNetConditionModelBase unet)
            PrecisionPolicy.EnsureDeviceSupports(unet.DType, unet.Device, AllowHalfPrecisionOnCpu, "ModelLoading.DType");
    }

    /// <summary>Applies the process-wide host settings (<see cref="ReturnFreedHostMemory"/>); false when the platform cannot.</summary>
    public bool ApplyHostSettings() => !ReturnFreedHostMemory || HostAllocator.ReturnFreedMemory();
}
