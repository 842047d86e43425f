namespace DragVideo.Tracking;

/// <summary>Shared checks of a propagation call's inputs.</summary>
internal static class PropagationInput
{
    /// <summary>
    /// Validates the key frames against the clip and returns them sorted by frame index.
    /// </summary>
    /// <exception cref="InvalidDragRequestException">the clip is shorter than two frames, the request is invalid, or
    /// the key frames have different pair counts.</exception>
    public static IReadOnlyList<KeyframeDrag> Validate(VideoClip clip, IReadOnlyList<KeyframeDrag> keyframes)
    {
        if (clip.FrameCount < 2)
            throw new InvalidDragRequestException("clip", $"propagation needs a clip of at least two frames; got {clip.FrameCount}.");
        DragRequestValidator.Validate(new DragRequest(keyframes), clip.FrameCount, clip.Width, clip.Height);
        int n = keyframes[0].Pairs.Count;
        for (int k = 1; k < keyframes.Count; k++)
            if (keyframes[k].Pairs.Count != n)
                throw new InvalidDragRequestException($"keyframes[{k}].pairs",
                    $"has {keyframes[k].Pairs.Count} pairs but keyframes[0] has {n}: every key frame needs the same number of pairs, in corresponding order.");
        return keyframes.OrderBy(k => k.FrameIndex).ToArray();
    }
}
