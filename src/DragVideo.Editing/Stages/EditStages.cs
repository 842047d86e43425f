using Microsoft.Extensions.Logging;

namespace DragVideo.Editing.Stages;

/// <summary>
/// The editor's stages, built once from its components and validated options, with the schedule they share:
/// prepare → propagate → encode → LoRA → invert → drag → denoise → decode.
/// </summary>
internal sealed class EditStages
{
    public EditStages(DiffusionComponents components, IInstructionPropagator propagator, DragVideoOptions options, EditSchedule schedule,
        IDragObjective objective, Caching.EditCache? cache, ILoggerFactory loggerFactory)
    {
        var backbone = components.Backbone;
        Schedule = schedule;
        Prepare = new PrepareStage(backbone, components.Codec.DownsampleFactor, options.MaxFrames, options.MotionModulesEnabled);
        Propagate = new PropagateStage(propagator, options.Drag);
        Encode = new EncodeStage(components.Codec, components.PromptEncoder);
        Lora = new LoraStage(backbone, components.Scheduler, options, cache, loggerFactory);
        Invert = new InvertStage(backbone, components.Scheduler, cache);
        Drag = new DragStage(backbone, objective, options.Drag, loggerFactory);
        Denoise = new DenoiseStage(backbone, components.PromptEncoder, options.MutualSelfAttention, loggerFactory);
        Decode = new DecodeStage(components.Codec);
    }

    /// <summary>The immutable DDIM schedule every stage reads (the shared scheduler is never changed).</summary>
    public EditSchedule Schedule { get; }

    public PrepareStage Prepare { get; }

    public PropagateStage Propagate { get; }

    public EncodeStage Encode { get; }

    public LoraStage Lora { get; }

    public InvertStage Invert { get; }

    public DragStage Drag { get; }

    public DenoiseStage Denoise { get; }

    public DecodeStage Decode { get; }
}
