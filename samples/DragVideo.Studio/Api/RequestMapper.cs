using DragVideo.Studio.Engine;

namespace DragVideo.Studio.Api;

/// <summary>
/// Turns the page's key-frame instructions into an SDK <see cref="DragRequest"/>: checks shapes (missing fields become a
/// 400 naming the field), builds each key frame's mask from its clicks with the segmenter, then lets
/// <see cref="DragRequestValidator"/> check everything against the clip.
/// </summary>
public static class RequestMapper
{
    /// <summary>Most key frames and pairs accepted in one request.</summary>
    public const int MaxKeyframes = 48, MaxPairsPerKeyframe = 16, MaxClicks = 64;

    /// <summary>Builds and validates the request.</summary>
    /// <exception cref="StudioApiException">a missing field or too many items (400).</exception>
    /// <exception cref="InvalidDragRequestException">the request does not fit the clip.</exception>
    /// <remarks>
    /// Key-frame masks are segmented without growth: the propagator grows every frame's mask by the radius
    /// (PropagationOptions.Radius), so growing here too would count it twice.
    /// </remarks>
    public static DragRequest ToDragRequest(IReadOnlyList<KeyframeDto>? keyframes, string? prompt, VideoClip clip,
        IStudioEngine engine)
    {
        ArgumentNullException.ThrowIfNull(clip);
        ArgumentNullException.ThrowIfNull(engine);
        if (keyframes is null || keyframes.Count == 0)
            throw StudioApiException.BadRequest("keyframes", "Add at least one handle → target pair (click a handle, then its target).");
        if (keyframes.Count > MaxKeyframes)
            throw StudioApiException.BadRequest("keyframes", $"At most {MaxKeyframes} key frames.");
        var list = new List<KeyframeDrag>(keyframes.Count);
        for (int k = 0; k < keyframes.Count; k++)
        {
            var kf = keyframes[k] ?? throw StudioApiException.BadRequest($"keyframes[{k}]", "is missing.");
            string at = $"keyframes[{k}]";
            if (kf.Frame < 0 || kf.Frame >= clip.FrameCount)
                throw StudioApiException.BadRequest($"{at}.frame", $"frame {kf.Frame} is outside the clip (0 … {clip.FrameCount - 1}).");
            if (kf.Pairs is null || kf.Pairs.Count == 0)
                throw StudioApiException.BadRequest($"{at}.pairs", $"frame {kf.Frame} has no complete handle → target pair.");
            if (kf.Pairs.Count > MaxPairsPerKeyframe)
                throw StudioApiException.BadRequest($"{at}.pairs", $"At most {MaxPairsPerKeyframe} pairs per key frame.");
            var pairs = new List<DragPair>(kf.Pairs.Count);
            for (int j = 0; j < kf.Pairs.Count; j++)
            {
                var p = kf.Pairs[j] ?? throw StudioApiException.BadRequest($"{at}.pairs[{j}]", "is missing.");
                pairs.Add(new DragPair(
                    ToPoint(p.Handle, $"{at}.pairs[{j}].handle"),
                    ToPoint(p.Target, $"{at}.pairs[{j}].target")));
            }
            BinaryMask? mask = null;
            var pos = Points(kf.Mask?.Positive, $"{at}.mask.positive");
            var neg = Points(kf.Mask?.Negative, $"{at}.mask.negative");
            if (pos.Count > 0)
            {
                foreach (var (pt, i) in pos.Select((p, i) => (p, i)))
                    if (!pt.IsInside(clip.Width, clip.Height))
                        throw StudioApiException.BadRequest($"{at}.mask.positive[{i}]", "click is outside the frame.");
                mask = engine.Segment(clip, kf.Frame, pos, neg, radius: 0);
            }
            else if (neg.Count > 0)
            {
                throw StudioApiException.BadRequest($"{at}.mask.positive", "A mask needs at least one positive click (negative clicks only remove area).");
            }
            list.Add(new KeyframeDrag(kf.Frame, pairs, mask));
        }
        var request = new DragRequest(list, string.IsNullOrWhiteSpace(prompt) ? DragRequest.DefaultPrompt : prompt.Trim());
        DragRequestValidator.Validate(request, clip.FrameCount, clip.Width, clip.Height);
        return request;
    }

    /// <summary>Converts click DTOs to points (an empty list for null), rejecting missing entries and too many clicks.</summary>
    public static IReadOnlyList<DragPoint> Points(IReadOnlyList<PointDto>? points, string field)
    {
        if (points is null) return Array.Empty<DragPoint>();
        if (points.Count > MaxClicks) throw StudioApiException.BadRequest(field, $"At most {MaxClicks} clicks.");
        return points.Select((p, i) => ToPoint(p, $"{field}[{i}]")).ToList();
    }

    private static DragPoint ToPoint(PointDto? p, string field)
    {
        if (p is null) throw StudioApiException.BadRequest(field, "point is missing.");
        var pt = new DragPoint(p.X, p.Y);
        if (!pt.IsFinite) throw StudioApiException.BadRequest(field, "coordinates must be finite numbers.");
        return pt;
    }
}
