using DragVideo.Tracking;
using static TorchSharp.torch;

namespace DragVideo.Editing.Fast;

/// <summary>
/// Move mode's default body segmenter: <see cref="RegionGrowingSegmenter"/> with its pixel-sized settings (colour-sample
/// and seed radii, smoothing) scaled by the frame's longer side over 256 px, the size they were tuned at. On a 64² clip
/// the default 12-px colour sample around a handle reaches past a 6-px object into the background and the 1.5-px
/// smoothing merges thin stripes into the background; scaled, the body's overlap with the true object on the toy world's
/// scenarios rose from 0.70 to 0.92 (IoU with the true object on key frame 0, median of seeds 0–9; docs/fast-backend.md).
/// Given negative clicks, the frame border is not treated as background (see <see cref="Segment"/>).
/// </summary>
internal sealed class FrameScaledSegmenter : IMaskSegmenter
{
    /// <summary>The frame size (longer side, px) the segmenter's defaults were tuned at.</summary>
    public const int ReferenceSize = 256;

    private readonly SegmenterOptions _options;

    /// <summary>Creates it around <paramref name="options"/> (null = the segmenter's defaults), given for 256-px frames.</summary>
    public FrameScaledSegmenter(SegmenterOptions? options = null) => _options = (options ?? new SegmenterOptions()).Validate();

    /// <inheritdoc />
    public BinaryMask Segment(Tensor frame, IReadOnlyList<DragPoint> positive, IReadOnlyList<DragPoint> negative)
    {
        ArgumentNullException.ThrowIfNull(frame);
        double s = Math.Min(1.0, Math.Max(frame.shape[^1], frame.shape[^2]) / (double)ReferenceSize);
        // Move mode passes the ring just outside the editable mask as negative clicks; with those, the frame border is
        // not background — an object that runs off the frame (a pole, a person cut by the edge) must not be cut where it
        // meets the border.
        var options = negative.Count > 0 ? _options with { BorderIsBackground = false } : _options;
        var scaled = s >= 1.0 ? options : options with
        {
            ColourSampleRadius = Math.Max(2, (int)Math.Round(options.ColourSampleRadius * s)),
            SeedRadius = Math.Max(1, (int)Math.Round(options.SeedRadius * s)),
            SmoothingSigma = options.SmoothingSigma * s,
            ProbabilitySigma = options.ProbabilitySigma * s,
        };
        return new RegionGrowingSegmenter(scaled).Segment(frame, positive, negative);
    }
}
