namespace DragVideo;

/// <summary>One item of <see cref="VideoDragEditorExtensions.EditStreamingAsync"/>: a progress report, in order.</summary>
/// <param name="Progress">the report.</param>
/// <param name="Result">on the last update only: the edit's result (the caller owns and disposes it); null before.</param>
public sealed record EditUpdate(EditProgress Progress, EditResult? Result = null);
