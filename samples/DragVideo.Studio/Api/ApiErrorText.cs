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
        InvalidMediaException m => (400, new ApiError("invalid-media", m.Message)),
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

    /// <summary>The message shown for a failed run (runs never involve uploads).</summary>
    public static string ForUser(Exception ex) => Map(ex, maxUploadBytes: 0).Body.Message;
}
