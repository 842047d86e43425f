using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>How weight files are read.</summary>
public sealed record CheckpointReadOptions
{
    /// <summary>
    /// Opt in to reading pickle-based PyTorch checkpoints (<c>.ckpt</c>, <c>.pt</c>, <c>.pth</c>, <c>.bin</c>) with the
    /// restricted reader. Default false: such files raise <see cref="ModelLoadException"/> explaining how to opt in.
    /// Safetensors files need no opt-in.
    /// </summary>
    public bool AllowPickle { get; init; }

    /// <summary>Convert floating-point tensors to this type while reading; null keeps the stored type.</summary>
    public ScalarType? DType { get; init; }
}
