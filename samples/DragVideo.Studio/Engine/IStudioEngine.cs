using DragVideo.Studio.Api;
using DragVideo.Studio.Clips;

namespace DragVideo.Studio.Engine;

/// <summary>
/// The SDK operations the Studio's endpoints need. <see cref="SdkStudioEngine"/> is the implementation over
/// DragVideo.Media / Tracking / Editing; the seam keeps the HTTP plumbing independent of the editing backend.
/// </summary>
public interface IStudioEngine
{
    /// <summary>"fast-warp" or "diffusion".</summary>
    string BackendName { get; }

    /// <summary>Decodes a video into a clip with the given settings.</summary>
    /// <exception cref="InvalidMediaException">not a readable video.</exception>
    VideoClip Load(string path, ClipLoadSettings settings, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="clip"/> as an H.264 MP4 the browser can play (temp file + move).</summary>
    void WriteMp4(VideoClip clip, string path);

    /// <summary>The editable region of one frame from positive / negative clicks, grown by <paramref name="radius"/> pixels.</summary>
    BinaryMask Segment(VideoClip clip, int frame, IReadOnlyList<DragPoint> positive, IReadOnlyList<DragPoint> negative, int radius);

    /// <summary>Carries the key-frame instruction to every frame (paper §3.3).</summary>
    PropagatedInstruction Propagate(VideoClip clip, DragRequest request, int radius, CancellationToken cancellationToken);

    /// <summary>The clip with the propagated points, arrows and mask drawn on it (the preview video).</summary>
    VideoClip RenderOverlay(VideoClip clip, PropagatedInstruction instruction);

    /// <summary>Edits the clip with the configured backend.</summary>
    Task<EditResult> EditAsync(VideoClip clip, DragRequest request, EditParamsDto parameters, IProgress<EditProgress> progress,
        CancellationToken cancellationToken);

    /// <summary>Weight-free quality metrics of an edit, by name (drag distance in px, PSNR outside the mask, …).</summary>
    IReadOnlyDictionary<string, double> Metrics(VideoClip original, VideoClip edited, PropagatedInstruction instruction,
        CancellationToken cancellationToken);

    /// <summary>Original and edited side by side in one clip, <c>[F, 3, H, 2W]</c>.</summary>
    VideoClip SideBySide(VideoClip original, VideoClip edited);
}
