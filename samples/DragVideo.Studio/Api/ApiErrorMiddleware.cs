using DragVideo.Studio.Hosting;

namespace DragVideo.Studio.Api;

/// <summary>
/// Turns exceptions into JSON error answers (<see cref="ApiErrorText.Map"/>); answers a foreign Host header (when the
/// server listens on loopback only) with a JSON 400; refuses state-changing requests from another site (403, on top of
/// the SameSite=Strict session cookie); and refuses a non-upload body over the JSON limit (413) before reading it.
/// </summary>
public sealed class ApiErrorMiddleware(RequestDelegate next, StudioContext studio, ILogger<ApiErrorMiddleware> logger)
{
    /// <summary>Handles one request.</summary>
    public async Task InvokeAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (studio.AllowedHosts is { } hosts && !hosts.Contains(http.Request.Host.Host, StringComparer.OrdinalIgnoreCase))
        {
            // DNS-rebinding guard: a loopback-only server answers only to loopback host names.
            await Write(http, 400, new ApiError("bad-host",
                $"This server only answers to {string.Join(", ", hosts)}; the request named host '{http.Request.Host.Host}'.")).ConfigureAwait(false);
            return;
        }
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && !RequestOrigin.IsSameOrigin(http))
        {
            await Write(http, 403, new ApiError("forbidden-origin", "Requests from other sites are not accepted.")).ConfigureAwait(false);
            return;
        }
        bool isUpload = StudioEndpoints.IsUpload(http.Request);
        if (!isUpload && http.Request.ContentLength > studio.Options.MaxJsonBytes)
        {
            await Write(http, 413, TooLargeJson()).ConfigureAwait(false);
            return;
        }
        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
        catch (Exception ex)
        {
            var (status, body) = ApiErrorText.Map(ex, studio.Options.MaxUploadBytes);
            if (status == 413 && !isUpload) body = TooLargeJson(); // a chunked JSON body cut off by the server's limit
            if (status >= 500) logger.LogError(ex, "{Method} {Path} failed", http.Request.Method, http.Request.Path);
            if (http.Response.HasStarted) throw;
            await Write(http, status, body).ConfigureAwait(false);
        }
    }

    private ApiError TooLargeJson() => new("too-large",
        $"The request body is larger than this server's limit of {studio.Options.MaxJsonBytes / 1024} KiB for JSON requests.");

    private static async Task Write(HttpContext http, int status, ApiError body)
    {
        http.Response.Clear();
        http.Response.StatusCode = status;
        // A refused body may be partly unread: say the connection ends here, so the client opens a new one for its next
        // request instead of reusing one the server is about to close (which fails that request with "response ended").
        if (status == StatusCodes.Status413PayloadTooLarge) http.Response.Headers.Connection = "close";
        await http.Response.WriteAsJsonAsync(body).ConfigureAwait(false);
    }
}
