namespace DragVideo.Studio.Api;

/// <summary>The JSON body of every error answer: <c>{ "error": code, "message": text, "field": path? }</c>.</summary>
/// <param name="Error">short code: invalid-input, invalid-media, invalid-request, too-large, busy, not-found, …</param>
/// <param name="Message">one sentence the page shows as it is.</param>
/// <param name="Field">the offending field (JSON path), when known.</param>
/// <param name="ActiveRunId">for "busy": the run that is still going.</param>
public sealed record ApiError(string Error, string Message, string? Field = null, string? ActiveRunId = null);
