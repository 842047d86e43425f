using System.Text.Json;
using DragVideo.Studio.Runs;

namespace DragVideo.Studio.Api;

/// <summary>Maps exceptions to an HTTP status and an <see cref="ApiError"/>; unknown errors never leak details.</summary>
public static class ApiErrorText
{
    /// <summary>The status and body for <paramref name="ex"/>.</summary>
    public static (int Status, ApiError Body) Map(Exception ex, long maxUploadBytes) => ex switch
    {
        StudioApiException a => (a.Status, new ApiError(a.Code, a.Message, a.Field)),
        StudioBusyException b => (StatusCodes.Status409Conflict, new ApiError("busy", b.Message, ActiveRunId: b.ActiveRunId)),
        InvalidDragRequestException d => (400, new ApiError("invalid-request", d.Message, d.Field)),
        InvalidMediaException m => (400, new ApiError("invalid-media", MediaMessage(m))),
        BadHttpRequestException { StatusCode: 413 } => (413, new ApiError("too-large",
            $"The upload is larger than this server's limit of {maxUploadBytes / (1024 * 1024)} MiB (start it with --max-upload-mb to change it).")),
        BadHttpRequestException h => (h.StatusCode, new ApiError("bad-request", h.Message)),
        InvalidDataException i when i.Message.Contains("Multipart body length limit", StringComparison.Ordinal) => (413, new ApiError("too-large",
            $"The upload is larger than this server's limit of {maxUploadBytes / (1024 * 1024)} MiB (start it with --max-upload-mb to change it).")),
        JsonException j => (400, new ApiError("invalid-json", $"The request body is not valid JSON for this call: {j.Message}")),
        MediaToolMissingException t => (500, new ApiError("media-tool-missing", t.Message)),
        ModelLoadException or NativeRuntimeException => (500, new ApiError("backend-unavailable", ex.Message)),
        _ => (500, new ApiError("internal", "Unexpected server error; the server log has the details.")),
    };

    /// <summary>
    /// The SDK appends the file's path to media errors; server paths are not the page's business (and an upload's path
    /// is a server-generated name anyway), so it is cut and the sentence says what happened to the user's file.
    /// </summary>
    private static string MediaMessage(InvalidMediaException m)
    {
        if (m.Path is null) return m.Message;
        string suffix = $" ({m.Path})";
        string reason = m.Message.EndsWith(suffix, StringComparison.Ordinal) ? m.Message[..^suffix.Length] : m.Message;
        reason = reason.Replace(m.Path + ": ", "", StringComparison.Ordinal).Replace(m.Path, "the file", StringComparison.Ordinal).Trim().TrimEnd('.');
        const string lead = "not a readable video";
        return reason.StartsWith(lead, StringComparison.OrdinalIgnoreCase)
            ? $"Not a readable video{reason[lead.Length..]}."
            : $"Not a readable video: {reason}.";
    }

    /// <summary>
    /// The message shown for a failed run (runs never involve uploads). The SDK's editors report settings they cannot
    /// work with (a clip too long for the model, an option out of range) as <see cref="ArgumentException"/>s whose
    /// messages name the setting, so those are shown as they are.
    /// </summary>
    public static string ForUser(Exception ex) =>
        ex is ArgumentException { Message.Length: > 0 } a ? a.Message : Map(ex, maxUploadBytes: 0).Body.Message;
}
