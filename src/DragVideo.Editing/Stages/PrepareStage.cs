namespace DragVideo.Editing.Stages;

/// <summary>
/// Preparing: checks the clip against the editor's limits and switches the backbone's motion modules for this edit;
/// disposing the returned scope puts the caller's switch back.
/// </summary>
internal sealed class PrepareStage(IVideoDiffusionBackbone backbone, int downsampleFactor, int maxFrames, bool motionModules)
{
    /// <exception cref="InvalidDragRequestException">the clip is too long or its size is not a multiple of the codec's factor.</exception>
    public MotionModuleScope Run(EditState state)
    {
        state.Report(EditStage.Preparing, 1, 1, "validating the request");
        var clip = state.Clip;
        if (clip.FrameCount > maxFrames)
            throw new InvalidDragRequestException("clip", $"the clip has {clip.FrameCount} frames; at most {maxFrames} can be edited at once.");
        if (clip.Width % downsampleFactor != 0 || clip.Height % downsampleFactor != 0)
            throw new InvalidDragRequestException("clip",
                $"frames are {clip.Width}×{clip.Height}; width and height must be multiples of {downsampleFactor}.");
        var scope = new MotionModuleScope(backbone, motionModules);
        state.Lap(EditStage.Preparing);
        return scope;
    }
}

/// <summary>Sets <see cref="IVideoDiffusionBackbone.MotionModulesEnabled"/> for a scope and restores the previous value.</summary>
internal sealed class MotionModuleScope : IDisposable
{
    private readonly IVideoDiffusionBackbone _backbone;
    private readonly bool _before;

    public MotionModuleScope(IVideoDiffusionBackbone backbone, bool enabled)
    {
        _backbone = backbone;
        _before = backbone.MotionModulesEnabled;
        backbone.MotionModulesEnabled = enabled;
    }

    /// <inheritdoc />
    public void Dispose() => _backbone.MotionModulesEnabled = _before;
}
