namespace DragVideo.Media.Tests;

/// <summary>
/// Test double for <see cref="IInstructionPropagator"/>: every frame gets the first key frame's pairs shifted by
/// (frame index, 0) px and its mask (or the full frame), so tests can predict each frame's markers.
/// </summary>
public sealed class CopyPropagator : IInstructionPropagator
{
    public PropagatedInstruction Propagate(VideoClip clip, DragRequest request, CancellationToken cancellationToken = default)
    {
        DragRequestValidator.Validate(request, clip.FrameCount, clip.Width, clip.Height);
        var kf = request.Keyframes[0];
        var mask = kf.Mask ?? BinaryMask.Filled(clip.Width, clip.Height, true);
        var frames = Enumerable.Range(0, clip.FrameCount).Select(i =>
        {
            var shift = new DragPoint(i, 0);
            var pairs = kf.Pairs.Select(p => new DragPair(p.Handle + shift, p.Target + shift)).ToList();
            return new FrameInstruction(i, pairs, mask, pairs.Select(_ => true).ToList(), pairs.Select(_ => 1f).ToList());
        }).ToList();
        return new PropagatedInstruction(frames);
    }
}
