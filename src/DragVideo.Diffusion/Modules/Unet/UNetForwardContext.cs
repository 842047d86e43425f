using DragVideo.Diffusion.Modules.Attention;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Modules.Unet;

/// <summary>
/// What every U-Net block needs during one forward: the time embedding, the text embedding, how many frames are folded
/// into the batch, whether motion modules run, and the attention-processor facts. Built per forward; never global.
/// Intermediate outputs are observed with standard forward hooks on the blocks, not through this context.
/// </summary>
internal sealed class UNetForwardContext
{
    /// <summary>Creates the context.</summary>
    public UNetForwardContext(Tensor temb, Tensor? encoderHiddenStates, int frames, bool motionEnabled, AttentionCall call,
        GradientCheckpointing checkpointing = GradientCheckpointing.Off)
    {
        Checkpointing = checkpointing;
        Temb = temb;
        EncoderHiddenStates = encoderHiddenStates;
        Frames = frames;
        MotionEnabled = motionEnabled;
        Call = call;
    }

    /// <summary>Time embedding per batch item <c>[B·F, C_emb]</c>.</summary>
    public Tensor Temb { get; }

    /// <summary>Text embedding per batch item <c>[B·F, S, D]</c>, or null.</summary>
    public Tensor? EncoderHiddenStates { get; }

    /// <summary>Frames folded into the batch (1 for images).</summary>
    public int Frames { get; }

    /// <summary>Whether temporal motion modules run (false: frames are processed independently).</summary>
    public bool MotionEnabled { get; }

    /// <summary>Facts passed on to attention processors.</summary>
    public AttentionCall Call { get; }

    /// <summary>Gradient checkpointing requested for this forward (acts only while gradients are recorded).</summary>
    public GradientCheckpointing Checkpointing { get; }

    /// <summary>Whether resnets, transformers and motion modules are checkpointed one by one (<see cref="GradientCheckpointing.All"/>).</summary>
    public bool CheckpointUnits => Checkpointing == GradientCheckpointing.All;

    /// <summary>The same context with other time and text embeddings (the detached copies a checkpoint recomputes from).</summary>
    public UNetForwardContext WithEmbeddings(Tensor temb, Tensor? encoderHiddenStates)
        => new(temb, encoderHiddenStates, Frames, MotionEnabled, Call, Checkpointing);
}
