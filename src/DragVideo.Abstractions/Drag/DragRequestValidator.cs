namespace DragVideo;

/// <summary>Checks a <see cref="DragRequest"/> against the clip it will be applied to.</summary>
public static class DragRequestValidator
{
    /// <summary>
    /// Throws <see cref="InvalidDragRequestException"/> naming the first invalid field: no key frames, a key-frame index
    /// outside the clip or repeated, a key frame without pairs or with more than DragRequestLimits.MaxPairsPerKeyframe, a non-finite point or one outside the frame, a mask of
    /// the wrong size, a clip shorter than two frames when propagation is needed.
    /// </summary>
    public static void Validate(DragRequest request, int frameCount, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Keyframes is null || request.Keyframes.Count == 0)
            throw new InvalidDragRequestException("keyframes", "at least one key frame with drag pairs is required.");
        if (request.Prompt is null)
            throw new InvalidDragRequestException("prompt", "must be a string (use \"\" for no prompt).");
        var seen = new HashSet<int>();
        for (int k = 0; k < request.Keyframes.Count; k++)
        {
            var kf = request.Keyframes[k];
            string at = $"keyframes[{k}]";
            if (kf is null) throw new InvalidDragRequestException(at, "is null.");
            if (kf.FrameIndex < 0 || kf.FrameIndex >= frameCount)
                throw new InvalidDragRequestException($"{at}.frame", $"frame index {kf.FrameIndex} is outside the clip (0 … {frameCount - 1}).");
            if (!seen.Add(kf.FrameIndex))
                throw new InvalidDragRequestException($"{at}.frame", $"frame {kf.FrameIndex} has more than one key-frame instruction.");
            if (kf.Pairs is null || kf.Pairs.Count == 0)
                throw new InvalidDragRequestException($"{at}.pairs", "a key frame needs at least one handle→target pair.");
            if (kf.Pairs.Count > DragRequestLimits.MaxPairsPerKeyframe)
                throw new InvalidDragRequestException($"{at}.pairs", $"{kf.Pairs.Count} pairs; at most {DragRequestLimits.MaxPairsPerKeyframe} are allowed per key frame.");
            for (int j = 0; j < kf.Pairs.Count; j++)
            {
                var p = kf.Pairs[j];
                if (p is null) throw new InvalidDragRequestException($"{at}.pairs[{j}]", "is null.");
                CheckPoint(p.Handle, $"{at}.pairs[{j}].handle", width, height);
                CheckPoint(p.Target, $"{at}.pairs[{j}].target", width, height);
            }
            if (kf.Mask is not null && (kf.Mask.Width != width || kf.Mask.Height != height))
                throw new InvalidDragRequestException($"{at}.mask", $"mask is {kf.Mask.Width}×{kf.Mask.Height}; the frames are {width}×{height}.");
        }
    }

    private static void CheckPoint(DragPoint p, string field, int width, int height)
    {
        if (!float.IsFinite(p.X)) throw new InvalidDragRequestException($"{field}.x", $"must be a finite number; got {p.X}.");
        if (!float.IsFinite(p.Y)) throw new InvalidDragRequestException($"{field}.y", $"must be a finite number; got {p.Y}.");
        if (p.X < 0 || p.X > width - 1)
            throw new InvalidDragRequestException($"{field}.x", $"x = {p.X} is outside the frame (0 … {width - 1}).");
        if (p.Y < 0 || p.Y > height - 1)
            throw new InvalidDragRequestException($"{field}.y", $"y = {p.Y} is outside the frame (0 … {height - 1}).");
    }
}
