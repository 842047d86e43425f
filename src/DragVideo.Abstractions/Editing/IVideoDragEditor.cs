namespace DragVideo;

/// <summary>
/// Edits a video by dragging: moves the content at each handle to its target, consistently across all frames, and keeps
/// everything outside the editable mask. Implementations: the diffusion editor (the paper's method) and a fast
/// weight-free warp backend.
/// </summary>
public interface IVideoDragEditor
{
    /// <summary>A short name of the backend, reported in <see cref="EditResult.Backend"/>.</summary>
    string Name { get; }

    /// <summary>Runs the edit. The input clip is never modified.</summary>
    /// <param name="clip">the clip to edit, frames <c>[F, 3, H, W]</c> in [0, 1].</param>
    /// <param name="request">the drag request (validated against the clip first).</param>
    /// <param name="progress">optional progress sink, called at least once per step of every stage.</param>
    /// <param name="cancellationToken">honoured within one step; nothing is written when cancelled.</param>
    /// <exception cref="InvalidDragRequestException">the request does not fit the clip.</exception>
    /// <exception cref="OperationCanceledException">cancelled.</exception>
    Task<EditResult> EditAsync(VideoClip clip, DragRequest request, IProgress<EditProgress>? progress = null,
        CancellationToken cancellationToken = default);
}
