namespace DragVideo;

/// <summary>
/// Carries a drag request's key-frame instructions (points and masks) to every frame of the clip (paper §3.3).
/// </summary>
public interface IInstructionPropagator
{
    /// <summary>Returns one <see cref="FrameInstruction"/> per frame; key frames reproduce their own points exactly.</summary>
    /// <exception cref="InvalidDragRequestException">the request does not fit the clip.</exception>
    PropagatedInstruction Propagate(VideoClip clip, DragRequest request, CancellationToken cancellationToken = default);
}
