namespace DragVideo;

/// <summary>
/// The drag instruction carried to one frame: per-pair handle/target, the editable mask, and, for each pair, whether the
/// handle is believed visible (false = occluded or lost by the tracker) and a confidence in [0, 1].
/// </summary>
/// <param name="FrameIndex">frame index in the clip.</param>
/// <param name="Pairs">handle→target pairs for this frame, in the order of the key frames' pairs.</param>
/// <param name="Mask">editable region of this frame.</param>
/// <param name="Visible">per pair: true when the handle's content is visible in this frame.</param>
/// <param name="Confidence">per pair: tracker confidence in [0, 1] (1 on key frames).</param>
public sealed record FrameInstruction(
    int FrameIndex,
    IReadOnlyList<DragPair> Pairs,
    BinaryMask Mask,
    IReadOnlyList<bool> Visible,
    IReadOnlyList<float> Confidence);
