namespace DragVideo.Studio.Api;

/// <summary>A request the API refuses, with the HTTP status, a short error code and a message meant for the page.</summary>
public sealed class StudioApiException(int status, string code, string message, string? field = null) : Exception(message)
{
    /// <summary>HTTP status code.</summary>
    public int Status { get; } = status;

    /// <summary>Short machine-readable code, e.g. "not-found".</summary>
    public string Code { get; } = code;

    /// <summary>The offending input field, when one is to blame.</summary>
    public string? Field { get; } = field;

    /// <summary>400 for a bad field.</summary>
    public static StudioApiException BadRequest(string field, string message) => new(400, "invalid-input", message, field);

    /// <summary>404 for an unknown clip / run / frame.</summary>
    public static StudioApiException NotFound(string what) => new(404, "not-found", $"{what} was not found (it may have expired; load the video again).");
}
